"""The OpenAPI 3.1 document of the marketplace's HTTP API, generated from its marshmallow schemas."""
from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from marketplace import schemas

ORDER_ID = {"in": "path", "name": "order_id", "required": True, "schema": {"type": "string", "format": "uuid"}}
PRODUCT_ID = {"in": "path", "name": "product_id", "required": True,
              "schema": {"type": "string", "format": "uuid"}}
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string"},
                   "description": "ส่งซ้ำด้วยคีย์เดิมได้ผลเดิม (a repeat with the same key replays the first success)"}
REFUSALS = {400: "ข้อมูลไม่ถูกต้อง (invalid input)", 401: "ต้องยืนยันตัวตน (bearer token required)",
            403: "ไม่มีสิทธิ์ (forbidden)", 404: "ไม่พบ (not found)",
            409: "สถานะไม่อนุญาต (illegal transition or not enough stock)",
            422: "ปฏิเสธตามกฎธุรกิจ (refused by a business rule)"}

# (method, path, summary, request body, query schema, success status, response schema, refusals)
OPERATIONS = [
    ("get", "/v1/products", "ค้นหาสินค้า (search products)", None, schemas.ProductQuery,
     200, schemas.ProductPage, (400,)),
    ("post", "/v1/products", "ลงขายสินค้า (create a product)", schemas.ProductIn, None,
     201, schemas.ProductOut, (400, 401, 403, 422)),
    ("get", "/v1/products/{product_id}", "ดูสินค้า (get a product)", None, None,
     200, schemas.ProductOut, (400, 404)),
    ("patch", "/v1/products/{product_id}", "แก้ไขสินค้า (change a product: its seller or an operator)",
     schemas.ProductPatch(), None, 200, schemas.ProductOut, (400, 401, 403, 404)),
    ("get", "/v1/orders", "รายการคำสั่งซื้อ (list orders)", None, schemas.OrderQuery,
     200, schemas.OrderPage, (400, 401, 403)),
    ("post", "/v1/orders", "สั่งซื้อ (place an order)", schemas.OrderIn, None,
     201, schemas.OrderOut, (400, 401, 403, 409, 422)),
    ("get", "/v1/orders/{order_id}", "ดูคำสั่งซื้อ (get an order)", None, None,
     200, schemas.OrderOut, (400, 401, 403, 404)),
    ("post", "/v1/orders/{order_id}/payments", "ชำระเงิน (pay an order: its buyer)",
     schemas.PaymentIn, None, 200, schemas.OrderOut, (400, 401, 403, 404, 409, 422)),
    ("post", "/v1/orders/{order_id}/fulfilments", "จัดส่ง/ส่งถึง (ship or deliver: seller or operator)",
     schemas.FulfilmentIn, None, 200, schemas.OrderOut, (400, 401, 403, 404, 409)),
    ("post", "/v1/orders/{order_id}/cancellation", "ยกเลิกก่อนจัดส่ง (cancel before shipment)",
     schemas.CancellationIn, None, 200, schemas.OrderOut, (400, 401, 403, 404, 409)),
    ("post", "/v1/orders/{order_id}/refunds", "คืนเงินตามจำนวน (refund by line quantity: seller or operator)",
     schemas.RefundIn, None, 201, schemas.RefundOut, (400, 401, 403, 404, 409, 422)),
    ("get", "/v1/reconciliation/orders",
     "คำสั่งซื้อที่ชำระแล้วกับเหตุการณ์เดิม (paid orders with their original events: operators)",
     None, schemas.ReconciliationQuery, 200, schemas.ReconciliationPage, (400, 401, 403)),
]
PUBLIC = {("get", "/v1/products"), ("get", "/v1/products/{product_id}")}


def _operation(method, path, summary, body, query, status, response, refusals):
    parameters = [p for name, p in (("{order_id}", ORDER_ID), ("{product_id}", PRODUCT_ID)) if name in path]
    if query is not None:
        parameters.append({"in": "query", "schema": query})
    if method == "post" and path.startswith("/v1/orders"):
        parameters.append(IDEMPOTENCY_KEY)
    operation = {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            str(status): {"description": "สำเร็จ (success)",
                          "content": {"application/json": {"schema": response}}},
            **{str(code): {"description": REFUSALS[code],
                           "content": {"application/json": {"schema": "ErrorOut"}}} for code in refusals},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if (method, path) not in PUBLIC:
        operation["security"] = [{"bearer": []}]
    return operation


@cache
def document():
    """The document as a dict; built once per process."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="CODI marketplace ตลาดชุมชน", version="1", openapi_version="3.1.0",
                   plugins=[plugin],
                   info={"description": "ทุกการขายสมทบกองทุนสวัสดิการชุมชน (every sale credits a "
                                        "community welfare fund). Money is integer satang."})
    plugin.map_to_openapi_type(schemas.Cursor, "string", None)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ErrorOut", schema=schemas.ErrorOut)
    by_path = {}
    for method, path, *rest in OPERATIONS:
        by_path.setdefault(path, {})[method] = _operation(method, path, *rest)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
