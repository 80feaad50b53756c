#!/bin/sh
# Entrypoint of the Parley Docker image: seeds the demo FAQ into a new database,
# then becomes the server (exec, so parley is PID 1 and receives SIGTERM itself).
#
# Like `make run`, the demo FAQ is passed with --faq only while the database file
# does not exist yet, so the admin's FAQ edits survive restarts (--faq replaces
# the stored FAQ). Seeding is skipped when the caller chooses an FAQ (--faq or
# PARLEY_FAQ) or sets PARLEY_DEMO_FAQ to an empty string.
#
# Arguments that start with "-" are parley options, and `faq check FILE` is
# parley's FAQ validator. Any other first argument is run as a command instead
# (e.g. `docker run --rm -it IMAGE bash`).
set -eu

case "${1:-}" in
  "" | -*) ;;
  faq | migrate) exec /usr/local/bin/parley "$@" ;;   # parley faq check FILE, parley migrate ...
  *) exec "$@" ;;
esac

demo="${PARLEY_DEMO_FAQ-/usr/share/parley/faq/demo.json}"
seed=yes
[ -z "${PARLEY_FAQ:-}" ] || seed=no

# The database parley will open: --store sqlite:PATH wins over --db, and the
# command line over the environment (see config_store_target in server/config.c).
# A PostgreSQL store is never seeded: there is no file to tell a new database by,
# and --faq would replace the admin's FAQ at every start (load one with
# PARLEY_FAQ once, or through the dashboard).
db="${PARLEY_DB:-./data/parley.db}"
store_db=""
case "${PARLEY_STORE:-}" in
  sqlite:*) store_db="${PARLEY_STORE#sqlite:}" ;;
  postgres*) seed=no ;;
esac
prev=""
for arg in "$@"; do
  case "$prev" in
    --db) db="$arg" ;;
    --store) case "$arg" in sqlite:*) store_db="${arg#sqlite:}" ;; postgres*) seed=no ;; esac ;;
  esac
  case "$arg" in
    --db=*) db="${arg#--db=}" ;;
    --store=sqlite:*) store_db="${arg#--store=sqlite:}" ;;
    --store=postgres*) seed=no ;;
    --faq | --faq=* | --help | -h | --version) seed=no ;;
  esac
  prev="$arg"
done
[ -z "$store_db" ] || db="$store_db"

if [ "$seed" = yes ] && [ -n "$demo" ] && [ ! -e "$db" ]; then
  echo "parley: new database $db: loading the demo FAQ from $demo"
  set -- --faq "$demo" "$@"
fi
exec /usr/local/bin/parley "$@"
