"""What a Lambda cold start loads: the handler is built without FastAPI, boto3 or redis-py.

Those are imported when first needed (another path than /interactions, the first queued command,
the first Redis command), so a container's first PING does not wait for them. (Powertools imports
the ``botocore`` package itself to tag requests; the expensive part is ``botocore.client``.) This
checks what is imported, not how long it takes (timing belongs to `make bench`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import sys
import interactions.lambda_handler as handler
handler.build_endpoint()
heavy = ("fastapi", "boto3", "botocore.client", "redis", "discord", "wavelink")
heavy = [m for m in heavy if m in sys.modules]
print(",".join(heavy))
"""


def test_building_the_lambda_front_loads_nothing_heavy(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ENCORE_", "REDIS_"))}
    env.update(
        DISCORD_PUBLIC_KEY="a" * 64,
        ENCORE_QUEUE="sqs",
        ENCORE_SQS_QUEUE_URLS="https://sqs.us-east-1.amazonaws.com/123456789012/encore-g0.fifo",
        REDIS_URL="redis://127.0.0.1:6379/0",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
