"""Refresh `src/slsguard/data/sam_policy_templates.json` from an aws-sam-translator wheel.

slsguard ships the SAM policy templates as data (it never installs or imports
aws-sam-translator). To refresh them:

    python -m pip download --no-deps aws-sam-translator -d /tmp/sam
    python scripts/refresh_sam_policy_templates.py /tmp/sam/aws_sam_translator-*.whl

The date recorded is the wheel's build date (the timestamp of its METADATA entry); the
licence (Apache-2.0) and NOTICE are copied next to the data file.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "slsguard" / "data"
TEMPLATES = "samtranslator/policy_templates_data/policy_templates.json"


def refresh(wheel: Path) -> Path:
    """Write the data file (and its licence) from `wheel`; returns the data file's path."""
    version = re.match(r"aws_sam_translator-([^-]+)-", wheel.name)
    if version is None:
        raise SystemExit(f"{wheel.name} is not an aws-sam-translator wheel")
    with zipfile.ZipFile(wheel) as archive:
        upstream = json.loads(archive.read(TEMPLATES))
        metadata = next(i for i in archive.infolist() if i.filename.endswith(".dist-info/METADATA"))
        built = "{:04d}-{:02d}-{:02d}".format(*metadata.date_time[:3])
        licences = [i for i in archive.namelist() if re.search(r"/licenses/(LICENSE|NOTICE)$", i)]
        notices = {Path(name).name: archive.read(name).decode() for name in licences}
    document = {
        "source": "aws-sam-translator",
        "version": version.group(1),
        "date": built,
        "license": "Apache-2.0 (see sam_policy_templates.LICENSE.txt)",
        "upstream": f"https://github.com/aws/serverless-application-model ({TEMPLATES})",
        "Version": upstream["Version"],
        "Templates": upstream["Templates"],
    }
    target = DATA / "sam_policy_templates.json"
    target.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    licence = "\n\n".join(notices[name] for name in ("NOTICE", "LICENSE") if name in notices)
    (DATA / "sam_policy_templates.LICENSE.txt").write_text(licence, encoding="utf-8")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(refresh(Path(sys.argv[1])))
