"""Every name_key again, folded by chassis.thai.search_key (one function for the centres and
the marketplace: decomposed SARA AM, doubled and reordered marks, two SARA E for SARA AE,
zero-width characters, spaces, Thai digits). SQL cannot fold Thai text that way; this also
replaces the approximate keys 0002 gave the rows registered before it.

Two centres of one subdistrict whose names now fold to one key (e.g. 'เเม่…' and 'แม่…') cannot
both keep their keys (UNIQUE (name_key, subdistrict_code)): the migration then changes nothing
and names them, so that one can be renamed before migrating again.
"""
from collections import defaultdict

from psycopg2.extras import execute_values

from chassis.thai import search_key

TABLES = ("centres", "organisations", "funds")


def _refuse_shared_keys(rows):
    sharing = defaultdict(list)
    for row_id, name_th, _, subdistrict_code in rows:
        sharing[search_key(name_th), subdistrict_code].append(f"{name_th} ({row_id})")
    clashes = ["; ".join(names) for names in sharing.values() if len(names) > 1]
    if clashes:
        raise RuntimeError(
            "ศูนย์ในตำบลเดียวกันมีชื่อที่ค้นหาเป็นชื่อเดียวกัน ให้แก้ชื่อแห่งหนึ่งแล้ว migrate อีกครั้ง"
            f" (centres of one subdistrict now share a search key; rename one, then migrate again): {' | '.join(clashes)}")


def _set_keys(cursor, table, keys):
    execute_values(cursor, f"UPDATE {table} SET name_key = refolded.key"
                           f" FROM (VALUES %s) AS refolded (id, key) WHERE {table}.id = refolded.id",
                   keys, template="(%s::uuid, %s)", page_size=1000)


def migrate(cursor):
    for table in TABLES:
        cursor.execute(f"SELECT id, name_th, name_key, subdistrict_code FROM {table}")
        rows = cursor.fetchall()
        if table == "centres":
            _refuse_shared_keys(rows)
        changed = [(row_id, key) for row_id, name_th, old_key, _ in rows if (key := search_key(name_th)) != old_key]
        # first a placeholder no key can equal (keys hold no whitespace), so that the unique
        # index, checked row by row, never sees a new key meet an old one about to change
        _set_keys(cursor, table, [(row_id, f"\n{row_id}") for row_id, _ in changed])
        _set_keys(cursor, table, changed)
