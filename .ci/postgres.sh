# Sourced by .ci/run: installs Debian's PostgreSQL when missing, starts a cluster, and exports
# CI_DATABASE_URL for a superuser role the tests can create databases with.
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
cluster="$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')"
if [ -z "$cluster" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  pg_createcluster "$version" main >/dev/null
  cluster="$version main"
fi
# shellcheck disable=SC2086
pg_ctlcluster $cluster start 2>/dev/null || true
port="$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')"
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qc \"do \\\$\\\$ begin
  if not exists (select from pg_roles where rolname = 'chub_ci') then
    create role chub_ci login superuser password 'chub_ci';
  end if; end \\\$\\\$;\"" >/dev/null
export CI_DATABASE_URL="postgres://chub_ci:chub_ci@127.0.0.1:$port/postgres"
