# The bot as a small image: `docker build -t sms-handlers .`, then
# `docker run --env-file bot.env -p 3000:3000 sms-handlers` serves HTTP mode on port 3000.
# Everything it installs comes from the Python package index; see README "Running in production".
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Stage 1: the project and its dependencies installed into a virtual environment. Every
# dependency ships wheels for this platform, so no compiler is needed.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
COPY sandbox/sms_handlers_sandbox ./sandbox/sms_handlers_sandbox
RUN python -m venv /opt/sms-handlers \
    && /opt/sms-handlers/bin/pip install . \
    && /opt/sms-handlers/bin/pip uninstall --yes pip setuptools

# Stage 2: the same Python with only that environment, run by an unprivileged user.
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/sms-handlers/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home sms-handlers
COPY --from=build /opt/sms-handlers /opt/sms-handlers
USER 10001:10001
# The working directory is the user's own: the default SQLite file (sms-handlers.db) and a .env
# file are looked for here. Mount a volume on /data to keep a SQLite database.
WORKDIR /data
EXPOSE 3000
# The bot is PID 1 and handles SIGTERM itself (see README "Shutting down").
ENTRYPOINT ["sms-handlers"]
CMD ["serve", "--http"]
