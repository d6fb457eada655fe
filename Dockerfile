# One image for every service; the command picks it:
#   docker build -t codi .
#   docker run codi funds migrate      docker run codi funds run      docker run codi topology
# Inside a container every service listens on :8000 (set <SERVICE>_HTTP_ADDRESS, as docker-compose.yml does).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY constraints.txt ./
COPY contracts/ contracts/
COPY chassis/ chassis/
COPY services/ services/
RUN python -m venv /opt/codi \
 && /opt/codi/bin/pip install -c constraints.txt ./contracts ./chassis \
        ./services/centres ./services/marketplace ./services/funds ./services/notifications ./services/web \
        setuptools

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin codi
COPY --from=build /opt/codi /opt/codi
ENV PATH=/opt/codi/bin:$PATH \
    PYTHONUNBUFFERED=1
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"]
ENTRYPOINT ["codi-admin"]
CMD ["--help"]
