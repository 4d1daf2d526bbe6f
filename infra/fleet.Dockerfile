# The audio fleet's container image (ECS Fargate, template.yaml's FleetImageUri).
# Build from the repository root:  docker build -f infra/fleet.Dockerfile -t encore-fleet .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY encore encore
COPY interactions interactions
COPY audio_fleet audio_fleet
COPY encore_cli encore_cli
# The pinned versions of requirements.lock; only the runtime dependencies are installed.
RUN pip install --no-cache-dir -c requirements.lock . \
    && useradd --system --uid 10001 --no-create-home encore

USER encore
# The ECS task definition runs `encore fleet` with ENCORE_SHARD_GROUPS=auto and checks
# http://127.0.0.1:$ENCORE_HEALTH_PORT/health from inside the container (python is on the PATH).
CMD ["encore", "fleet"]
