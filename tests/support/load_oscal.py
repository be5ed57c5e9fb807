"""Loads an OSCAL assessment-results document with compliance-trestle, a real consumer, and
prints what it read as JSON: results, observations, findings, risks per result. Exits non-zero
with trestle's error when it cannot read the document."""

import json
import pathlib
import sys

from trestle.oscal.assessment_results import AssessmentResults


def text(value):
    """The string a trestle value (a plain string or a pydantic wrapper of one) holds."""
    if isinstance(value, str):
        return value
    dumped = value.model_dump(mode="json")
    return dumped if isinstance(dumped, str) else json.dumps(dumped)


document = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))
print(
    json.dumps(
        {
            "oscal_version": text(document.metadata.oscal_version),
            "results": [
                {
                    "observations": len(result.observations or []),
                    "findings": len(result.findings or []),
                    "risks": len(result.risks or []),
                    "deviations": sum(
                        1
                        for risk in result.risks or []
                        if text(risk.status) == "deviation-approved"
                    ),
                }
                for result in document.results
            ],
        }
    )
)
