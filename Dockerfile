# Jaga's production image: one image for every role (Rasa replica, action server, Telegram
# front end); docker-compose.yml picks the command. Operators only: CI does not build it
# (there is no Docker engine there); `make test` covers the same commands on the host.
# Kept in step with the Makefile: the same Python (3.10), the same pinned install
# (requirements.txt + constraints.txt) and the same training command as `make train`.
#
#   docker build -t jaga:$(git rev-parse --short HEAD) .
#
# Two stages. `build` has the compilers, installs the pins into /opt/venv and trains the
# model; the runtime image gets only the virtual environment, the code the services run and
# the trained model: no compilers, no training data, no tests, no .git. Nothing secret is in
# the build context (.dockerignore): secrets come from the environment at run time.
#
# The base image is pinned by version. Pin it by digest too where a registry is reachable:
#   docker buildx imagetools inspect python:3.10.18-slim-bookworm   # the sha256 digest
#   docker build --build-arg PYTHON_IMAGE=python:3.10.18-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.10.18-slim-bookworm
# pip and its advisories: see docs/security.md. The image's own pip is upgraded as well.
ARG PIP_VERSION=26.3

# What both stages share: the environment, and the base image's own pip upgraded.
FROM ${PYTHON_IMAGE} AS base
ARG PIP_VERSION
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONWARNINGS=ignore \
    PYTHONHASHSEED=0 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    RASA_TELEMETRY_ENABLED=false \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m pip install --upgrade "pip==${PIP_VERSION}"


FROM base AS build
ARG PIP_VERSION
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv \
    && python -m pip install --upgrade "pip==${PIP_VERSION}" wheel
WORKDIR /src
COPY requirements.txt constraints.txt ./
RUN python -m pip install -r requirements.txt -c constraints.txt \
    && python -m pip check

COPY . .
# `make train`: check the data, then train into models/jaga.tar.gz.
RUN python -m tools.check_data \
    && rasa train --config config.yml --domain domain.yml --data nlu_data stories \
         --out models --fixed-model-name jaga --quiet


FROM base AS runtime
ENV PYTHONPATH=/app \
    JAGA_MODEL=/app/models/jaga.tar.gz \
    JAGA_STATS_DB=/app/var/stats.sqlite
RUN useradd --create-home --uid 10001 jaga

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# What the services read at run time, and nothing else.
COPY --from=build /src/bot ./bot
COPY --from=build /src/components ./components
COPY --from=build /src/actions ./actions
COPY --from=build /src/content ./content
COPY --from=build /src/knowledge ./knowledge
COPY --from=build /src/deploy ./deploy
COPY --from=build /src/domain.yml /src/config.yml ./
COPY --from=build /src/models/jaga.tar.gz ./models/jaga.tar.gz
RUN mkdir -p var && chown jaga: var && chmod 700 var

USER jaga
# Default role: a Rasa replica serving only Jaga's channel (the token comes from RASA_TOKEN;
# see deploy/rasa_serve.py).
EXPOSE 5005
CMD ["python", "deploy/rasa_serve.py", "-i", "0.0.0.0", "-p", "5005", \
     "--credentials", "deploy/credentials.yml", "--endpoints", "deploy/endpoints.redis.yml", \
     "--response-timeout", "30"]
