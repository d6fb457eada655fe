"""centres-import: register centres, organisations, funds, distribution centres or community
business plans from a CSV file.

    centres-import centres FILE.csv                 all rows or none (the default)
    centres-import organisations FILE.csv --valid-only --rejects rejects.csv
    centres-import community_plans FILE.csv         plans of organisations registered already
    centres-import --demo                            the named places of the reference material

Headers may be Thai (ชื่อ, รหัสตำบล, ประเภท, ปีที่รับเข้า, ประเด็นงาน, สถานะ, เวลาทำการ,
กลุ่มจังหวัดที่ให้บริการ, ชื่อองค์กร, ปี พ.ศ., ด้าน, …) or the API's field names. Every problem is listed as row, column and reason. Exit status: 0 imported, 1 refused
rows (nothing imported unless --valid-only), 2 unusable file or arguments, database unavailable.
"""
import argparse
import csv
import sys
from importlib import resources

from chassis.cli import service_config
from chassis.command import ArgumentParser, fail, run_reporting_unavailable
from chassis.db import Database

from centres import importer
from centres.adapters import RegistryUnitOfWork
from chassis.geography import default_geography

# Centres first: organisations and funds of the demo refer to them; plans refer to organisations.
DEMO_FILES = (("centres", "demo/centres.csv"), ("funds", "demo/funds.csv"),
              ("organisations", "demo/organisations.csv"), ("distribution_centres", "demo/distribution_centres.csv"),
              ("community_plans", "demo/community_plans.csv"))


class Progress:
    """A one-line progress bar on a terminal; elsewhere (logs, tests) nothing until done."""

    def __init__(self, total, label, stream=sys.stderr, width=30):
        self.total, self.label, self.stream, self.width = total, label, stream, width
        self.done = 0
        self.live = stream.isatty()

    def __call__(self):
        self.done += 1
        if self.live:
            filled = self.width * self.done // max(self.total, 1)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                              f"{self.done}/{self.total}")
            self.stream.flush()

    def close(self):
        self.stream.write(("\n" if self.live else "") + f"{self.label}: ตรวจแล้ว {self.done} แถว (rows checked)\n")


class NothingImported(Exception):
    """Raised inside the transaction so that it rolls back."""


def read_csv(path, encoding):
    with open(path, newline="", encoding=encoding) as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rejects(path, header, rejected):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads Thai
        writer = csv.DictWriter(handle, fieldnames=[*header, importer.REJECT_COLUMN], extrasaction="ignore")
        writer.writeheader()
        for _, row, errors in rejected:
            writer.writerow({**row, importer.REJECT_COLUMN: "; ".join(
                f"{error.column}: {error.reason}" for error in errors)})


def import_file(database, kind, path, valid_only=False, demo=False, encoding="utf-8-sig", out=sys.stderr):
    """Import one file in one transaction; returns the Outcome (nothing is kept if it is refused)."""
    header, rows = read_csv(path, encoding)
    progress = Progress(len(rows), f"{kind} {path}", stream=out)
    try:
        with database.transaction() as cursor:
            uow = RegistryUnitOfWork(cursor)
            outcome = importer.import_rows(kind, uow, default_geography(), header, rows,
                                           demo=demo, progress=progress)
            progress.close()
            if outcome.rejected and not valid_only:
                raise NothingImported
            uow.stage_events()
    except NothingImported:
        outcome.imported = []
    return header, outcome


def report(outcome, out):
    for error in outcome.errors:
        print(error, file=out)
    print(f"นำเข้า {len(outcome.imported)} แถว ปฏิเสธ {len(outcome.rejected)} แถว "
          f"(imported {len(outcome.imported)}, rejected {len(outcome.rejected)})", file=out)


def main(argv=None, environ=None, out=sys.stderr):
    parser = ArgumentParser(prog="centres-import", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", nargs="?", choices=sorted(importer.KINDS))
    parser.add_argument("file", nargs="?")
    parser.add_argument("--valid-only", action="store_true", help="import the valid rows, refuse the rest")
    parser.add_argument("--rejects", help="with --valid-only: write the refused rows and reasons here")
    parser.add_argument("--demo", action="store_true",
                        help="mark every row as demo data; without a file, import the bundled demo")
    parser.add_argument("--encoding", default="utf-8-sig", help="e.g. cp874 for files saved as Thai ANSI")
    args = parser.parse_args(argv)
    if args.rejects and not args.valid_only:
        parser.error("--rejects needs --valid-only (otherwise a refused file imports nothing)")
    if args.demo and not args.file:
        jobs = [(kind, str(resources.files("centres").joinpath("data", name))) for kind, name in DEMO_FILES]
    elif args.kind and args.file:
        jobs = [(args.kind, args.file)]
    else:
        parser.error("give KIND and FILE, or --demo alone")

    database_url = service_config("centres", environ)["DATABASE_URL"]
    database = Database(database_url, pool_size=1)
    try:
        return run_reporting_unavailable("centres-import", lambda: import_all(database, jobs, args, out),
                                         database_url=database_url)
    finally:
        database.close()


def import_all(database, jobs, args, out):
    for kind, path in jobs:
        try:
            header, outcome = import_file(database, kind, path, args.valid_only, args.demo, args.encoding, out)
        except (importer.BadHeader, OSError, UnicodeDecodeError, csv.Error) as exc:
            return fail("centres-import", f"อ่านไฟล์ไม่ได้ (cannot import {path})", exc)
        report(outcome, out)
        if outcome.rejected and args.rejects:
            try:
                write_rejects(args.rejects, header, outcome.rejected)
            except OSError as exc:
                return fail("centres-import", f"เขียนไฟล์แถวที่ถูกปฏิเสธไม่ได้ (cannot write {args.rejects})", exc)
            print(f"เขียนแถวที่ถูกปฏิเสธไว้ที่ {args.rejects} (rejects written)", file=out)
        if outcome.rejected and not args.valid_only:
            return 1
    return 0


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
