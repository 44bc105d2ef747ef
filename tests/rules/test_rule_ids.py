"""The configuration checks rule names against ``RULE_IDS`` without importing the rules: it must list them all."""

from schemaguard.rules.builtin import RULES
from schemaguard.rules.model import RULE_IDS


def test_rule_ids_match_the_rules() -> None:
    assert tuple((r.code, r.name) for r in RULES) == RULE_IDS
