"""PostgreSQL repositories of the web service: sign-in links and sessions."""
import json

from chassis.uow import UnitOfWork


class SigninLinks:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, secret_sha256, email, now, expires_at):
        self.cursor.execute("INSERT INTO signin_links (secret_sha256, email, created_at, expires_at)"
                            " VALUES (%s, %s, %s, %s)", (secret_sha256, email, now, expires_at))

    def usable(self, secret_sha256, now):
        """The link's email if it is unused and unexpired (it stays so: ``use`` spends it)."""
        self.cursor.execute("SELECT email FROM signin_links WHERE secret_sha256 = %s AND used_at IS NULL"
                            " AND expires_at > %s", (secret_sha256, now))
        row = self.cursor.fetchone()
        return row["email"] if row else None

    def use(self, secret_sha256, now):
        """The link's email, marking it used, if it is unused and unexpired; else None. One statement,
        so two clicks at once cannot both use it."""
        self.cursor.execute("UPDATE signin_links SET used_at = %s WHERE secret_sha256 = %s"
                            " AND used_at IS NULL AND expires_at > %s RETURNING email",
                            (now, secret_sha256, now))
        row = self.cursor.fetchone()
        return row["email"] if row else None


class Sessions:
    def __init__(self, cursor):
        self.cursor = cursor

    def create(self, id_sha256, data, identity, expires_at):
        self.cursor.execute("INSERT INTO web_sessions (id_sha256, data, identity, expires_at)"
                            " VALUES (%s, %s, %s, %s)",
                            (id_sha256, json.dumps(data), _json_or_null(identity), expires_at))

    def find(self, id_sha256, now):
        self.cursor.execute("SELECT data, identity, expires_at FROM web_sessions WHERE id_sha256 = %s"
                            " AND ended_at IS NULL AND expires_at > %s", (id_sha256, now))
        return self.cursor.fetchone()

    def save_data(self, id_sha256, data):
        self.cursor.execute("UPDATE web_sessions SET data = %s WHERE id_sha256 = %s",
                            (json.dumps(data), id_sha256))

    def end(self, id_sha256, now):
        self.cursor.execute("UPDATE web_sessions SET ended_at = %s WHERE id_sha256 = %s AND ended_at IS NULL"
                            " RETURNING identity", (now, id_sha256))
        row = self.cursor.fetchone()
        return row["identity"] if row else None


def prune_expired(cursor, before):
    """Forget links and sessions that ended or expired before ``before`` (they open nothing)."""
    cursor.execute("DELETE FROM signin_links WHERE expires_at < %s", (before,))
    links = cursor.rowcount
    cursor.execute("DELETE FROM web_sessions WHERE expires_at < %s OR ended_at < %s", (before, before))
    return links, cursor.rowcount


def _json_or_null(value):
    return None if value is None else json.dumps(value)


class WebUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.signin_links = SigninLinks(cursor)
        self.sessions = Sessions(cursor)
