"""The model inventory as a table: CSV, JSON or Excel (one row per model).

The columns are what a model-risk inventory records (SR 11-7 §VI): purpose,
owner and people, risk classification, stage, dates of completed and planned
validation, findings and waivers, inputs and monitoring.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import zipfile
from typing import Any, Literal

from generator.policy.report import GovernanceReport
from generator.schema import ModelCard

INVENTORY_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "summary",
    "owner",
    "accountable",
    "responsible",
    "validator",
    "stage",
    "current_version",
    "version_date",
    "risk_tier",
    "eu_ai_act",
    "classification",
    "regulations",
    "task",
    "framework",
    "training_datasets",
    "monitored_metrics",
    "last_validation",
    "last_validation_outcome",
    "validated_by",
    "next_review",
    "review_state",
    "governance_status",
    "open_errors",
    "open_warnings",
    "waived_findings",
    "active_waivers",
    "retirement_date",
    "tags",
    "source",
)
"""Column order of every inventory format."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _people(model: ModelCard, role: str) -> str:
    return "; ".join(c.person or f"team:{c.team}" for c in model.contacts if c.role.value == role)


def inventory_rows(report: GovernanceReport) -> list[dict[str, Any]]:
    """One dict per model, keys in `INVENTORY_COLUMNS` order, values plain JSON types."""
    rows = []
    catalog = report.catalog
    for model in catalog.models.values():
        last = model.last_validation
        review = report.reviews.get(model.id)
        findings = report.findings_of(model.id)
        open_findings = [f for f in findings if f.is_open]
        current = model.current_version
        rows.append(
            {
                "id": model.id,
                "name": model.name,
                "summary": model.summary,
                "owner": model.owner,
                "accountable": _people(model, "accountable"),
                "responsible": _people(model, "responsible"),
                "validator": _people(model, "validator"),
                "stage": model.stage.value,
                "current_version": current.version,
                "version_date": current.date.isoformat(),
                "risk_tier": model.risk.tier.value,
                "eu_ai_act": model.risk.eu_ai_act.value,
                "classification": model.classification.value,
                "regulations": "; ".join(model.regulations),
                "task": model.task or "",
                "framework": model.framework or "",
                "training_datasets": "; ".join(t.dataset for t in model.training_data),
                "monitored_metrics": "; ".join(model.monitoring.metrics)
                if model.monitoring
                else "",
                "last_validation": last.date.isoformat() if last else "",
                "last_validation_outcome": last.outcome.value if last else "",
                "validated_by": last.by if last else "",
                "next_review": review.due.isoformat() if review else "",
                "review_state": review.state if review else "",
                "governance_status": str(report.status.get(model.id, "")),
                "open_errors": sum(1 for f in open_findings if f.severity == "error"),
                "open_warnings": sum(1 for f in open_findings if f.severity == "warning"),
                "waived_findings": len(findings) - len(open_findings),
                "active_waivers": "; ".join(
                    f"{w.rule} until {w.expires}"
                    for w in model.waivers
                    if w.expires >= report.as_of
                ),
                "retirement_date": model.retirement.date.isoformat() if model.retirement else "",
                "tags": "; ".join(model.tags),
                "source": catalog.relative_source("models", model.id),
            }
        )
    return rows


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in card text (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def inventory_bytes(
    report: GovernanceReport, output_format: Literal["csv", "json", "xlsx"]
) -> bytes:
    """The inventory in one format, deterministic for a given catalog and date."""
    rows = inventory_rows(report)
    if output_format == "json":
        document = {
            "as_of": report.as_of.isoformat(),
            "columns": list(INVENTORY_COLUMNS),
            "models": rows,
        }
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=INVENTORY_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        return buffer.getvalue().encode("utf-8")
    return _xlsx(rows, report)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Inventory" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "Inventory!$A$1:${last}</definedName></definedNames></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def _xml(text: str) -> str:
    return html.escape(_XML_INVALID.sub("", text), quote=False)


def _xlsx(rows: list[dict[str, Any]], report: GovernanceReport) -> bytes:
    """A minimal SpreadsheetML workbook written directly (openpyxl is ~10x slower at 10,000
    rows): inline strings, a bold frozen header, an autofilter over the table."""
    columns = [_column(i) for i in range(len(INVENTORY_COLUMNS))]
    last = f"{columns[-1]}{len(rows) + 1}"
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
    ]
    header = "".join(
        f'<c r="{c}1" s="1" t="inlineStr"><is><t>{name}</t></is></c>'
        for c, name in zip(columns, INVENTORY_COLUMNS, strict=True)
    )
    lines.append(f'<row r="1">{header}</row>')
    for number, row in enumerate(rows, start=2):
        cells = []
        for c, name in zip(columns, INVENTORY_COLUMNS, strict=True):
            value = _cell(row[name])
            if isinstance(value, bool) or value is None or value == "":
                continue
            if isinstance(value, int | float):
                cells.append(f'<c r="{c}{number}"><v>{value}</v></c>')
            else:
                cells.append(
                    f'<c r="{c}{number}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xml(str(value))}</t></is></c>"
                )
        lines.append(f'<row r="{number}">{"".join(cells)}</row>')
    lines.append(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')
    moment = dt.datetime.combine(report.as_of, dt.time())
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>Model inventory as of {report.as_of}</dc:title><dc:creator>govcat</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )
    parts = dict(_XLSX_PARTS)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        "${last}", last.replace(columns[-1], f"${columns[-1]}$")
    )
    parts["xl/worksheets/sheet1.xml"] = "".join(lines)
    parts["docProps/core.xml"] = core
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return output.getvalue()
