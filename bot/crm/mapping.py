"""From a CRM's deal stage to a buyer-journey stage: defaults read from the CRM's own pipeline
definitions, overridden per pipeline under `crm:` in the library's funnelbot.yml.

    crm:
      closed_lost: awareness          # what a lost deal is treated as (re-engagement)
      pipelines:
        Sales Pipeline:               # a pipeline's id or label
          Contract sent: decision     # a stage's id or label: a buyer stage
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.crm.base import Pipeline, PipelineStage
from content_store.errors import InputError
from content_store.stage import Stage, parse_stage

CONFIG_FILE = "funnelbot.yml"
# Win probability below which an open stage is still awareness, and from which it is decision.
# HubSpot's default pipeline (20/40/60/80/90 %) and Salesforce's standard stages (10..90 %) both
# split into a few early, middle and late stages along these lines.
AWARENESS_BELOW = 0.3
DECISION_FROM = 0.75


class CrmConfigError(InputError, ValueError):
    """The `crm:` section of funnelbot.yml is wrong; the message names the key."""


@dataclass(frozen=True)
class CrmConfig:
    closed_lost: Stage = Stage.AWARENESS
    # pipeline id or label (case-folded) -> stage id or label (case-folded) -> buyer stage
    pipelines: Mapping[str, Mapping[str, Stage]] = field(default_factory=dict)


@dataclass(frozen=True)
class StageRule:
    pipeline: Pipeline
    stage: PipelineStage
    buyer_stage: Stage
    source: str  # "default" or "funnelbot.yml"


class StageMapping:
    def __init__(self, pipelines: list[Pipeline], config: CrmConfig | None = None) -> None:
        self.config = config or CrmConfig()
        self.pipelines = pipelines
        self._rules: dict[tuple[str, str], StageRule] = {}
        for pipeline in pipelines:
            overrides = _lookup(self.config.pipelines, pipeline.id, pipeline.label) or {}
            for stage in pipeline.stages:
                chosen = _lookup(overrides, stage.id, stage.label)
                if chosen is not None:
                    rule = StageRule(pipeline, stage, chosen, CONFIG_FILE)
                else:
                    rule = StageRule(pipeline, stage, self._default(pipeline, stage), "default")
                self._rules[(pipeline.id, stage.id)] = rule

    def rules(self) -> list[StageRule]:
        return list(self._rules.values())

    def resolve(self, pipeline_id: str, stage_id: str) -> StageRule | None:
        return self._rules.get((pipeline_id, stage_id))

    def _default(self, pipeline: Pipeline, stage: PipelineStage) -> Stage:
        if stage.closed:
            return Stage.CUSTOMER if stage.won else self.config.closed_lost
        if stage.probability is not None:
            if stage.probability < AWARENESS_BELOW:
                return Stage.AWARENESS
            return Stage.CONSIDERATION if stage.probability < DECISION_FROM else Stage.DECISION
        # No probability: the open stages in order, split in thirds.
        open_stages = [s for s in pipeline.stages if not s.closed]
        position = open_stages.index(stage) / max(1, len(open_stages))
        return (Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION)[min(2, int(position * 3))]


def _lookup(table: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        found = table.get(key.casefold())
        if found is not None:
            return found
    return None


def load_crm_config(content_dir: Path | None) -> CrmConfig:
    """The `crm:` section of the library's funnelbot.yml; the defaults when there is none."""
    if content_dir is None or not (content_dir / CONFIG_FILE).is_file():
        return CrmConfig()
    import yaml

    path = content_dir / CONFIG_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CrmConfigError(f"{path}: cannot be read ({type(error).__name__})") from None
    section = document.get("crm") if isinstance(document, dict) else None
    if section is None:
        return CrmConfig()
    if not isinstance(section, dict):
        raise CrmConfigError(f"{path}: `crm` must be a mapping")
    closed_lost = _stage(section.get("closed_lost", "awareness"), f"{path}: crm.closed_lost")
    pipelines: dict[str, dict[str, Stage]] = {}
    raw_pipelines = section.get("pipelines") or {}
    if not isinstance(raw_pipelines, dict):
        raise CrmConfigError(f"{path}: crm.pipelines must map pipelines to their stages")
    for pipeline, stages in raw_pipelines.items():
        if not isinstance(stages, dict):
            raise CrmConfigError(f"{path}: crm.pipelines.{pipeline} must map stages to stages")
        pipelines[str(pipeline).casefold()] = {
            str(name).casefold(): _stage(value, f"{path}: crm.pipelines.{pipeline}.{name}")
            for name, value in stages.items()
        }
    return CrmConfig(closed_lost=closed_lost, pipelines=pipelines)


def _stage(value: object, where: str) -> Stage:
    try:
        return parse_stage(str(value))
    except ValueError as error:
        raise CrmConfigError(f"{where}: {error}") from None
