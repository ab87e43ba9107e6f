# Jaga's production image: one image for every role (Rasa replica, action server, Telegram
# front end); docker-compose.yml picks the command. Operators only: CI does not build it
# (there is no Docker engine there); `make test` covers the same commands on the host.
# Kept in step with the Makefile: the same Python (3.10), the same pinned install
# (requirements.txt + constraints.txt) and the same training command as `make train`.
#
#   docker build -t jaga:$(git rev-parse --short HEAD) .
FROM python:3.10-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONWARNINGS=ignore \
    PYTHONHASHSEED=0 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    RASA_TELEMETRY_ENABLED=false \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 jaga

WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN python -m pip install --upgrade "pip<25" wheel \
    && python -m pip install -r requirements.txt -c constraints.txt \
    && python -m pip check

COPY . .
# `make train`: check the data, then train into models/jaga.tar.gz.
RUN python -m tools.check_data \
    && rasa train --config config.yml --domain domain.yml --data nlu_data stories \
         --out models --fixed-model-name jaga --quiet \
    && rm -rf .rasa /root/.cache \
    && mkdir -p var && chown -R jaga: var

USER jaga
ENV PYTHONPATH=/app JAGA_MODEL=/app/models/jaga.tar.gz JAGA_STATS_DB=/app/var/stats.sqlite
# Default role: a Rasa replica (the token comes from RASA_TOKEN; see deploy/rasa_serve.py).
EXPOSE 5005
CMD ["python", "deploy/rasa_serve.py", "-i", "0.0.0.0", "-p", "5005", \
     "--credentials", "deploy/credentials.yml", "--endpoints", "deploy/endpoints.redis.yml", \
     "--response-timeout", "30"]
