"""Validates OCSF events (one JSON object per line on stdin) with the reference Python models
(PyPI py-ocsf-models). An event passes when its class model accepts it and keeps every field it
carries: a field the model does not know would be dropped, so it counts as an error.

Prints `OK <events> <class_uid>=<count> ...` or one `ERROR line N: ...` per bad event (exit 1).
"""

import json
import sys
from collections import Counter

from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.objects.cloud import Cloud

MODELS = {2003: ComplianceFinding, 2004: DetectionFinding}
# Free-form objects: their content is not modelled.
OPAQUE = {"unmapped", "data"}
# Attributes a profile adds to every class (the models list them only on some classes).
PROFILE_ATTRIBUTES = {"cloud": ("cloud", Cloud)}


def dropped(given, kept, path=""):
    """Paths of fields present in `given` but missing from `kept`."""
    if isinstance(given, dict):
        if not isinstance(kept, dict):
            return [path or "."]
        missing = []
        for key, value in given.items():
            if key in OPAQUE:
                continue
            if key not in kept:
                missing.append(f"{path}.{key}")
            else:
                missing += dropped(value, kept[key], f"{path}.{key}")
        return missing
    if isinstance(given, list):
        if not isinstance(kept, list) or len(kept) != len(given):
            return [path]
        return [m for i, (g, k) in enumerate(zip(given, kept)) for m in dropped(g, k, f"{path}[{i}]")]
    return []


def main():
    errors, classes = [], Counter()
    for number, line in enumerate(sys.stdin, 1):
        try:
            event = json.loads(line)
            model = MODELS[event["class_uid"]]
            kept = model.model_validate(event).model_dump(mode="json", exclude_none=True)
            for profile in event["metadata"].get("profiles", []):
                attribute, profile_model = PROFILE_ATTRIBUTES.get(profile, (None, None))
                if attribute in event and attribute not in kept:
                    kept[attribute] = profile_model.model_validate(event[attribute]).model_dump(
                        mode="json", exclude_none=True
                    )
            missing = dropped(event, kept)
            if missing:
                raise ValueError(f"fields unknown to {model.__name__}: {missing}")
            if not 10**12 <= event["time"] < 10**14:
                raise ValueError(f"time {event['time']} is not in milliseconds")
            classes[event["class_uid"]] += 1
        except Exception as error:  # noqa: BLE001 - every failure is reported
            errors.append(f"ERROR line {number}: {error}")
    if errors:
        print("\n".join(errors[:20]))
        sys.exit(1)
    counts = " ".join(f"{k}={v}" for k, v in sorted(classes.items()))
    print(f"OK {sum(classes.values())} {counts}")


main()
