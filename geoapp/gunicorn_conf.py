"""Gunicorn settings, from GEOAPP_BIND, GEOAPP_WORKERS, GEOAPP_THREADS and GEOAPP_TIMEOUT.

Run: gunicorn -c python:geoapp.gunicorn_conf 'geoapp:create_app()'
Each worker builds its own app after the fork and checks the published data version on
every request, so any number of workers serve the same data.
"""

import os

bind = os.environ.get("GEOAPP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GEOAPP_WORKERS", "2"))
threads = int(os.environ.get("GEOAPP_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GEOAPP_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Several servers may run side by side (one per backend, tests, benchmarks): no shared control socket.
control_socket_disable = True
