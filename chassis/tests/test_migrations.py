"""The migration runner against the real PostgreSQL: SQL and Python steps, in name order, once,
in one transaction."""
import pytest

from chassis.db import migrate
from devtools.testing import query

pytestmark = pytest.mark.integration


def write_steps(folder, **steps):
    folder.mkdir(exist_ok=True)
    for name, text in steps.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def applied(dsn):
    return [row["name"] for row in query(dsn, "SELECT name FROM schema_migrations WHERE name LIKE 'service/%%'"
                                              " ORDER BY name")]


def test_sql_and_python_steps_run_in_name_order_each_once(empty_database, tmp_path):
    folder = write_steps(tmp_path / "migrations", **{
        "0001_table.sql": "CREATE TABLE words (word text NOT NULL);",
        "0002_fill.py": "def migrate(cursor):\n"
                        "    cursor.execute(\"INSERT INTO words VALUES ('เเม่'), ('น้ำ')\")\n",
        "0003_key.sql": "ALTER TABLE words ADD COLUMN word_key text;",
        "0004_keys.py": "from chassis.thai import search_key\n\n"
                        "def migrate(cursor):\n"
                        "    cursor.execute('SELECT word FROM words')\n"
                        "    for (word,) in cursor.fetchall():\n"
                        "        cursor.execute('UPDATE words SET word_key = %s WHERE word = %s',"
                        " (search_key(word), word))\n",
        "README.txt": "not a step",
    })
    migrate(empty_database, folder)
    migrate(empty_database, folder)

    assert applied(empty_database) == ["service/0001_table.sql", "service/0002_fill.py",
                                       "service/0003_key.sql", "service/0004_keys.py"]
    assert sorted(row["word_key"] for row in query(empty_database, "SELECT word_key FROM words")) == ["น้ำ", "แม่"]


def test_a_failing_python_step_undoes_the_steps_before_it(empty_database, tmp_path):
    folder = write_steps(tmp_path / "migrations", **{
        "0001_table.sql": "CREATE TABLE words (word text NOT NULL);",
        "0002_broken.py": "def migrate(cursor):\n"
                          "    cursor.execute(\"INSERT INTO words VALUES ('ข้าว')\")\n"
                          "    raise RuntimeError('ทดสอบ (test)')\n",
    })
    with pytest.raises(RuntimeError, match="test"):
        migrate(empty_database, folder)

    assert query(empty_database, "SELECT to_regclass('words') AS words") == [{"words": None}]
    assert query(empty_database, "SELECT to_regclass('schema_migrations') AS t") == [{"t": None}]
