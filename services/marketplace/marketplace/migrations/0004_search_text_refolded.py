"""Every product's search_text again, folded by chassis.thai.search_key (one function for the
marketplace and the centres: decomposed SARA AM, doubled and reordered marks, two SARA E for
SARA AE, zero-width characters, spaces, Thai digits). SQL cannot fold Thai text that way."""
from psycopg2.extras import execute_values

from marketplace.catalogue import SEARCHED_FIELDS, search_text


def migrate(cursor):
    cursor.execute(f"SELECT id, search_text, {', '.join(SEARCHED_FIELDS)} FROM products")
    columns = [column.name for column in cursor.description]
    changed = []
    for row in cursor.fetchall():
        product = dict(zip(columns, row))
        if (text := search_text(product)) != product["search_text"]:
            changed.append((product["id"], text))
    execute_values(cursor, "UPDATE products SET search_text = refolded.text"
                           " FROM (VALUES %s) AS refolded (id, text) WHERE products.id = refolded.id",
                   changed, template="(%s::uuid, %s)", page_size=1000)
