"""An allow-list contract for import-linter. The built-in `forbidden` contract only blocks the
packages it names, so `import requests` in the domain keeps it green; this one names what a module
may import and reports everything else.

    [importlinter]
    contract_types =
        allow_list: tools.importlinter_allowlist.AllowListContract

    [importlinter:contract:domain-allow-list]
    type = allow_list
    source_modules = bot_v2.domain
    allowed_modules =
        attrs
        numpy

A source module may always import the standard library (`sys.stdlib_module_names`) and modules of
its own package. Only direct imports are judged: what an allowed module imports is its own
contract's business. lint-imports puts the working directory on sys.path, so run it from the
repository root (as `make lint` does)."""

from __future__ import annotations

import sys
from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class AllowListContract(Contract):
    """Modules under each of `source_modules` import only the standard library, their own
    package and `allowed_modules` (each with its submodules)."""

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources: list[str] = list(self.source_modules)  # type: ignore[call-overload]
        allowed: list[str] = list(self.allowed_modules)  # type: ignore[call-overload]
        invalid: list[dict[str, Any]] = []
        for source in sources:
            for importer in sorted({source, *graph.find_descendants(source)}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if self._allowed(imported, source, allowed):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = sorted({detail["line_number"] for detail in details})
                    invalid.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not invalid, metadata={"invalid": invalid})

    @staticmethod
    def _allowed(imported: str, source: str, allowed: list[str]) -> bool:
        if imported.split(".")[0] in sys.stdlib_module_names:
            return True
        return any(_within(imported, package) for package in (source, *allowed))

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["invalid"]:
            where = ", ".join(f"l.{line}" for line in item["lines"])
            output.print_error(
                f"{item['importer']} is not allowed to import {item['imported']} ({where})",
                bold=False,
            )
            output.new_line()
