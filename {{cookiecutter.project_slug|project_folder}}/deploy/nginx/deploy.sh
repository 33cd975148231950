#!/usr/bin/env bash
# Release-based deploys behind nginx, run from a checkout of the code to deploy:
#
#   deploy/nginx/deploy.sh deploy [RELEASE_ID]    # default id: the commit, else a timestamp
#   deploy/nginx/deploy.sh rollback [RELEASE_ID]  # default: the one deployed before the current one
#   deploy/nginx/deploy.sh list
#
# Layout under APP_ROOT (default /srv/{{ cookiecutter.project_slug }}):
#   releases/<id>/    the code, its own .venv, its static manifest, release.env
#   shared/.env       secrets and settings (from .env.example), linked into every release
#   shared/static/    STATIC_ROOT of every release: only ever added to, never cleared, so
#                     pages of the previous release keep their CSS and JS during a deploy
#   shared/media/     uploads: a deploy never touches them
#   shared/private-media/  private uploads, sent by nginx only after Django's check
#   shared/db.sqlite3 the database, when shared/.env sets no DATABASE_URL (one for all releases)
#   current           -> releases/<id>, switched atomically
#   releases.log      deployed ids in deploy order, oldest first (a rollback adds none)
#
# Order: build the release apart from what is live, publish its static files, migrate,
# switch `current`, restart gunicorn. A failure before the switch leaves the live site as it was.
set -euo pipefail

# Where releases, shared files and `current` live on the server.
APP_ROOT=${APP_ROOT:-/srv/{{ cookiecutter.project_slug }}}
# How many releases stay on disk for a rollback.
KEEP_RELEASES=${KEEP_RELEASES:-5}
# The interpreter each release's virtualenv is made from.
PYTHON=${PYTHON:-python3}
# systemd holds the socket while gunicorn restarts: requests wait, none is refused.
RESTART_COMMAND=${RESTART_COMMAND:-sudo systemctl restart {{ cookiecutter.project_slug }}.service}
SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RELEASES="$APP_ROOT/releases"
LOG="$APP_ROOT/releases.log"

die() { echo "ERROR: $*" >&2; exit 1; }
say() { echo "==> $*"; }

check_id() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] \
    || die "release id '$1' is invalid: use 1-64 letters, digits, '.', '_' or '-'."
}

current_id() { basename "$(readlink "$APP_ROOT/current" 2>/dev/null)" 2>/dev/null || true; }

manage() { # manage RELEASE_DIR ARGS...: manage.py with the release's environment
  local release=$1; shift
  (cd "$release" && set -a && . ./release.env && set +a && .venv/bin/python manage.py "$@")
}

switch_to() { # atomic: a new symlink renamed over the old one
  ln -sfn "releases/$1" "$APP_ROOT/current.next"
  mv -T "$APP_ROOT/current.next" "$APP_ROOT/current"
}

restart() {
  say "Restarting gunicorn: $RESTART_COMMAND"
  bash -c "$RESTART_COMMAND"
}

install_requirements() {
  local release=$1
  if command -v uv >/dev/null 2>&1; then
    UV_PYTHON_DOWNLOADS=never uv venv --quiet --python "$PYTHON" "$release/.venv"
    uv pip install --quiet --python "$release/.venv/bin/python" -r "$release/requirements.txt"
  else
    "$PYTHON" -m venv "$release/.venv"
    "$release/.venv/bin/pip" install --quiet -r "$release/requirements.txt"
  fi
}

build() { # build ID: everything apart from what is live
  local id=$1 release="$RELEASES/$1"
  [ -f "$APP_ROOT/shared/.env" ] || die "$APP_ROOT/shared/.env is missing. Create it from \
.env.example with the production values (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, \
DATABASE_URL), readable by the app's user only."
  if [ -e "$release" ] && [ ! -e "$release/.incomplete" ]; then
    die "release $id already exists. Deploy a new id, or roll back to it: $0 rollback $id"
  fi
  rm -rf "$release"
  mkdir -p "$release" "$APP_ROOT/shared/static" "$APP_ROOT/shared/media" \
    "$APP_ROOT/shared/private-media"
  touch "$release/.incomplete"
  say "Copying the code into $release"
  tar -C "$SOURCE" --exclude-vcs --exclude=./.env --exclude=./.venv --exclude=./.run \
    --exclude=./staticfiles --exclude=./static-manifests --exclude=./media --exclude=./private-media \
    --exclude=./db.sqlite3 --exclude=./.local-s3 --exclude=__pycache__ -cf - . | tar -C "$release" -xf -
  ln -s "$APP_ROOT/shared/.env" "$release/.env"
  cat > "$release/release.env" <<ENV
DJANGO_RELEASE_ID=$id
DJANGO_STATIC_ROOT=$APP_ROOT/shared/static
DJANGO_MEDIA_ROOT=$APP_ROOT/shared/media
DJANGO_PRIVATE_MEDIA_ROOT=$APP_ROOT/shared/private-media
ENV
  if ! grep -Eq '^[[:space:]]*DATABASE_URL=' "$APP_ROOT/shared/.env"; then
    # SQLite's default file is in the project folder, a new one per release: every deploy
    # would start empty and lose what users added. Keep it in shared/ instead.
    echo "DATABASE_URL=sqlite:///$APP_ROOT/shared/db.sqlite3" >> "$release/release.env"
  fi
  say "Installing requirements"
  install_requirements "$release"
  say "Checking the production settings"
  manage "$release" check --deploy --fail-level WARNING
  say "Publishing static files to $APP_ROOT/shared/static (added to, never cleared)"
  manage "$release" collectstatic --noinput --verbosity 0
  # Every static tag and CSS url() resolves, nothing private or unreadable was collected:
  # a missing file stops the deploy here, with the template and the path, not as a 500 later.
  say "Checking the collected files"
  manage "$release" static_doctor --only collected
  rm "$release/.incomplete"
}

deploy() {
  local id=${1:-$(git -C "$SOURCE" rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)}
  check_id "$id"
  local previous
  previous=$(current_id)
  build "$id"
  say "Migrating the database"
  manage "$RELEASES/$id" migrate --noinput
  say "Switching current to $id"
  switch_to "$id"
  if ! restart; then
    if [ -n "$previous" ]; then
      switch_to "$previous"
      restart || true
    fi
    die "gunicorn did not restart on $id; current is back on ${previous:-nothing}."
  fi
  echo "$id" >> "$LOG"
  prune
  say "Deployed $id"
}

deploy_order() { # every deployed id once, oldest first (a re-deployed id counts where it was last deployed)
  [ -f "$LOG" ] || return 0
  grep -v '^$' "$LOG" | tac | awk '!seen[$0]++' | tac
}

is_release() { [ -d "$RELEASES/$1" ] && [ ! -e "$RELEASES/$1/.incomplete" ]; }

release_before() { # release_before ID: the newest release on disk deployed before ID
  local id=$1 found="" candidate
  while read -r candidate; do
    if [ "$candidate" = "$id" ]; then
      echo "$found"
      return 0
    fi
    if is_release "$candidate"; then found=$candidate; fi
  done < <(deploy_order)
}

prune() { # keep the newest KEEP_RELEASES deployed, the current one and the one before it
  local current keep release id
  current=$(current_id)
  keep=$(deploy_order | tail -n "$KEEP_RELEASES"; echo "$current"; release_before "$current")
  for release in "$RELEASES"/*/; do
    [ -d "$release" ] || continue
    id=$(basename "$release")
    if ! grep -qxF "$id" <<<"$keep"; then
      say "Removing old release $id (its hashed static files stay in shared/static)"
      rm -rf "$release"
    fi
  done
}

rollback() {
  local current target=${1:-}
  current=$(current_id)
  if [ -z "$target" ]; then
    [ -n "$current" ] || die "nothing is deployed yet, so there is nothing to roll back: $0 list"
    target=$(release_before "$current")
    [ -n "$target" ] || die "no release was deployed before $current (or it was pruned), so \
there is nothing to roll back to: $0 list"
  fi
  check_id "$target"
  is_release "$target" || die "release $target is not on this machine: $0 list"
  [ "$target" != "$current" ] || die "$target is already the current release: $0 list"
  say "Rolling back from ${current:-nothing} to $target (migrations are not reversed)"
  switch_to "$target"
  restart
  say "Current is $target; another rollback goes to the release deployed before it"
}

list() { # on-disk releases in deploy order, oldest first
  local current id listed=0
  current=$(current_id)
  while read -r id; do
    is_release "$id" || continue
    echo "$id$([ "$id" = "$current" ] && echo "  <- current")"
    listed=1
  done < <(deploy_order)
  for release in "$RELEASES"/*/; do
    [ -d "$release" ] || continue
    id=$(basename "$release")
    if [ -e "$release/.incomplete" ]; then
      echo "$id  (incomplete: its deploy did not finish; deploy it again to replace it)"
      listed=1
    fi
  done
  [ "$listed" -eq 1 ] || echo "No releases in $RELEASES yet: deploy one with $0 deploy"
}

case "${1:-}" in
  deploy) deploy "${2:-}" ;;
  rollback) rollback "${2:-}" ;;
  list) list ;;
  *) die "usage: $0 deploy [RELEASE_ID] | rollback [RELEASE_ID] | list" ;;
esac
