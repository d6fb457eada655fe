"""The reconciliation report for people and machines: Thai-first text and JSON of a
``funds.reconciliation.Report`` (what was checked, what a replay repaired, what drift is left)."""
from dataclasses import asdict

from chassis.thai import format_baht, thai_date, thai_datetime

from funds.reconciliation import KINDS


def to_json(report, fund_names=None):
    """The report as JSON-ready data: ids as text, each finding with its kind in Thai and English
    and its fund's name."""
    names = fund_names or {}

    def finding(item):
        out = {name: (str(value) if value is not None and name.endswith("_id") else value)
               for name, value in asdict(item).items()}
        th, en, _ = KINDS[item.kind]
        out.update(kind_th=th, kind_en=en,
                   fund_name_th=names.get(item.fund_id) if item.fund_id else None)
        return out

    return {
        "paid_from": report.paid_from.isoformat() if report.paid_from else None,
        "paid_to": report.paid_to.isoformat() if report.paid_to else None,
        "repair": report.repair, "orders_checked": report.orders_checked,
        "orders_in_drift": report.orders_in_drift, "clean": report.clean,
        "replayed_orders": report.replayed_orders, "by_kind": report.by_kind(),
        "findings": [finding(item) for item in report.findings],
        "repaired": [finding(item) for item in report.repaired],
    }


def _money(satang):
    return "-" if satang is None else format_baht(satang)


def _lines(findings, fund_names, heading):
    out = [heading]
    by_fund = {}
    for item in findings:
        by_fund.setdefault(item.fund_id, []).append(item)
    for fund_id, items in sorted(by_fund.items(), key=lambda pair: str(pair[0] or "")):
        if fund_id is None:
            out.append("  คำสั่งซื้อและบัญชีโดยรวม (orders and the ledger as a whole)")
        else:
            out.append(f"  กองทุน {fund_names.get(fund_id) or ''} ({fund_id})")
        for item in items:
            th, en, _ = KINDS[item.kind]
            where = f"คำสั่งซื้อ {item.order_id}" if item.order_id else ""
            money = ""
            if item.expected_satang is not None or item.actual_satang is not None:
                money = f" ควรเป็น {_money(item.expected_satang)}, พบ {_money(item.actual_satang)}"
            detail = f" [{item.detail}]" if item.detail else ""
            out.append(f"    - {th} ({en}) {where}{money}{detail}".rstrip())
    return out


def _period(report):
    start = thai_date(report.paid_from) if report.paid_from else "เริ่มต้น (the beginning)"
    end = thai_datetime(report.paid_to) if report.paid_to else "ปัจจุบัน (now)"
    return f"{start} ถึง {end}"


def render_text(report, fund_names=None):
    """The human report, Thai first: what was checked, what was repaired, what is left and why."""
    names = fund_names or {}
    out = [f"การกระทบยอดเงินสมทบกับคำสั่งซื้อ (levy reconciliation), ชำระเงิน {_period(report)}",
           f"ตรวจ {report.orders_checked:,} คำสั่งซื้อ (orders checked)"]
    if report.repair:
        out.append(f"เล่นเหตุการณ์ซ้ำ {report.replayed_orders:,} คำสั่งซื้อ (orders replayed), "
                   f"แก้แล้ว {len(report.repaired):,} รายการ (drift repaired)")
        if report.repaired:
            out += _lines(report.repaired, names, "แก้ไขแล้ว (repaired):")
    if report.clean:
        out.append("ไม่พบความคลาดเคลื่อน (no drift)")
        return "\n".join(out) + "\n"
    out.append(f"พบความคลาดเคลื่อน {len(report.findings):,} รายการ ใน {report.orders_in_drift:,} "
               "คำสั่งซื้อ (drift found)")
    out += _lines(report.findings, names, "ยังคลาดเคลื่อน (remaining drift):")
    replayable = [item for item in report.findings if item.repairable]
    if replayable and not report.repair:
        out.append("เรียกอีกครั้งด้วย --repair เพื่อเล่นเหตุการณ์เดิมซ้ำ (run with --repair to replay)")
    if any(not item.repairable for item in report.findings):
        out.append("รายการที่เล่นซ้ำแก้ไม่ได้ต้องให้เจ้าหน้าที่กองทุนตรวจสอบ "
                   "(drift replay cannot repair needs an officer's attention; see docs/operations.md)")
    return "\n".join(out) + "\n"
