# Sourced by setup.sh and test.sh: install the Debian packages rwkv-lua needs.
PKGS="cmake gcc make pkg-config libegl-dev libgles-dev libgbm-dev libegl-mesa0 libgl1-mesa-dri
liblua5.4-dev lua-cjson libedit-dev clang libclang-rt-14-dev"
install_deps() {
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "installing:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
}
