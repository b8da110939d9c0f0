# Production image: gunicorn serving geoapp, settings from GEOAPP_* environment variables.
#   docker build -t geoapp .
#   docker run -p 8000:8000 -v geoapp-data:/var/lib/geoapp geoapp
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    GEOAPP_DATA_DIR=/var/lib/geoapp \
    GEOAPP_BIND=0.0.0.0:8000 \
    GEOAPP_WORKERS=2 \
    GEOAPP_THREADS=4

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# The app reads templates/ and geodata/ beside the package, so it is installed in place.
COPY . ./
RUN pip install --no-deps -e . \
 && useradd --system --user-group --uid 10001 --home-dir /var/lib/geoapp --no-create-home geoapp \
 && mkdir -p /var/lib/geoapp \
 && chown geoapp:geoapp /var/lib/geoapp

USER geoapp
VOLUME ["/var/lib/geoapp"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['GEOAPP_BIND'].rsplit(':', 1)[1] + '/healthz', timeout=4)"]

CMD ["gunicorn", "-c", "python:geoapp.gunicorn_conf", "geoapp:create_app()"]
