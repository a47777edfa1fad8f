"""`funnelbot crm …`: the CRM's stage mapping, and polling deals by hand."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.i18n import Translator
from bot.settings import Settings

crm_app = typer.Typer(help="The CRM (HubSpot or Salesforce) a prospect's stage is read from.")
out = Console()
err = Console(stderr=True, soft_wrap=True)
# The CLI may wait longer on the CRM than an answer does.
CLI_TIMEOUT_S = 15.0


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    settings = Settings.from_env()
    if settings.crm is None:
        t = _terminal_language(settings)
        raise _fail(t.gettext("FUNNELBOT_CRM is not set: hubspot or salesforce (see docs/crm.md)"))
    return settings


def _terminal_language(settings: Settings) -> Translator:
    from bot.cli import _terminal_language

    return _terminal_language(settings)


@crm_app.command("stages")
def stages(
    as_json: Annotated[bool, typer.Option("--json", help="The mapping as JSON.")] = False,
) -> None:
    """The buyer stage each CRM stage maps to, for every pipeline."""
    from bot.crm import make_crm
    from bot.crm.mapping import StageMapping, load_crm_config

    settings = _settings()
    t = _terminal_language(settings)
    _ = t.gettext
    crm = make_crm(settings, timeout_s=CLI_TIMEOUT_S)
    assert crm is not None
    # A CrmError (exit 1) or a malformed `crm:` section (exit 2) is bot.cli's one error line.
    mapping = StageMapping(crm.pipelines(), load_crm_config(settings.content_dir))
    rules = mapping.rules()
    if as_json:
        rows = [
            {
                "pipeline_id": r.pipeline.id,
                "pipeline": r.pipeline.label,
                "stage_id": r.stage.id,
                "stage": r.stage.label,
                "order": r.stage.order,
                "probability": r.stage.probability,
                "closed": r.stage.closed,
                "won": r.stage.won,
                "buyer_stage": str(r.buyer_stage),
                "from": r.source,
            }
            for r in rules
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    # The CRM's pipeline and stage names are its own words; the buyer stage is said in t's.
    for pipeline in mapping.pipelines:
        out.print(f"{crm.label}: {pipeline.label} ({pipeline.id})", highlight=False, markup=False)
        for r in rules:
            if r.pipeline.id != pipeline.id:
                continue
            facts = [] if r.stage.probability is None else [f"{r.stage.probability:.0%}"]
            if r.stage.closed:
                facts.append(_("closed won") if r.stage.won else _("closed lost"))
            detail = f" ({', '.join(facts)})" if facts else ""
            source = (
                ("  " + _("(from %(source)s)", source=r.source)) if r.source != "default" else ""
            )
            out.print(
                f"  {r.stage.label} [{r.stage.id}]{detail} -> {t.stage(r.buyer_stage)}{source}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
