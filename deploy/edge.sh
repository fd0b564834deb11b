#!/usr/bin/env bash
# The edge process of `make run` (deploy/Procfile): nginx on EDGE_PORT in front of gunicorn on WEB_PORT,
# as the current user, from its run folder (pid, temporary files, cache; default .run/nginx).
set -euo pipefail
run_dir="${EDGE_RUN_DIR:-.run/nginx}"
conf="$(python manage.py edge_config --port "${EDGE_PORT:?}" --upstream-port "${WEB_PORT:?}" \
  --host "${EDGE_HOST:-127.0.0.1}" --run-dir "$run_dir")"
echo "KyivGuide edge: nginx at http://${EDGE_HOST:-127.0.0.1}:${EDGE_PORT}/ in front of gunicorn on 127.0.0.1:${WEB_PORT} ($conf)"
exec nginx -e stderr -p "$run_dir" -c "$(realpath "$conf")"
