#!/usr/bin/env bash
# Regenerate conformance/keras_files/<writer-tag>/ with every real-Keras writer environment.
#
#   conformance/recipes/regenerate_keras_files.sh             # all writers whose venv exists
#   conformance/recipes/regenerate_keras_files.sh --install   # create the venvs first
#   KFORMAT_VENVS=/elsewhere conformance/recipes/regenerate_keras_files.sh
#   conformance/recipes/regenerate_keras_files.sh -- --cases mha_self,mha_cross
#
# The venvs live outside the repository (default /work/venvs); see
# conformance/keras_files/README.md for what each one is. A writer whose venv is missing is
# skipped with a message, so CI can run just the latest Keras.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENVS=${KFORMAT_VENVS:-/work/venvs}
OUT="$ROOT/conformance/keras_files"
SCRIPT="$ROOT/conformance/recipes/keras_models.py"

INSTALL=0
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install) INSTALL=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--install] [-- keras_models.py args]" >&2; exit 2 ;;
  esac
done

JAX_OLD=("jax==0.4.23" "jaxlib==0.4.23" "numpy<2" "ml-dtypes<0.4" scipy h5py packaging)

install() {  # install <venv> <pip args...>
  local venv=$1; shift
  [ -x "$VENVS/$venv/bin/python" ] && return 0
  python3 -m venv "$VENVS/$venv"
  "$VENVS/$venv/bin/pip" install --quiet "$@"
}

if [ "$INSTALL" = 1 ]; then
  mkdir -p "$VENVS"
  install keras-latest keras jax scipy h5py &
  install keras-3.0.5 keras==3.0.5 "${JAX_OLD[@]}" &
  install keras-3.0.1 keras==3.0.1 "${JAX_OLD[@]}" &
  install tf-2.14 tensorflow-cpu==2.14.1 h5py &
  install tf_keras-2.21 tensorflow-cpu==2.21.0 tf-keras==2.21.0 &
  wait
fi

run() {  # run <venv> <env assignments...>
  local venv=$1; shift
  if [ ! -x "$VENVS/$venv/bin/python" ]; then
    echo "== $venv: no venv at $VENVS/$venv, skipped" >&2
    return 0
  fi
  echo "== $venv"
  env "$@" CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=2 \
    "$VENVS/$venv/bin/python" "$SCRIPT" --out-root "$OUT" ${EXTRA[@]+"${EXTRA[@]}"}
}

run keras-latest KERAS_BACKEND=jax
run keras-3.0.5 KERAS_BACKEND=jax
run keras-3.0.1 KERAS_BACKEND=jax
run tf-2.14 TF_USE_LEGACY_KERAS=0
run tf_keras-2.21 TF_USE_LEGACY_KERAS=1

# The Keras 2 migration corpus (conformance/keras2_files: legacy .h5, Windows-style .keras).
for pair in "tf-2.14 TF_USE_LEGACY_KERAS=0" "tf_keras-2.21 TF_USE_LEGACY_KERAS=1"; do
  set -- $pair
  if [ -x "$VENVS/$1/bin/python" ]; then
    echo "== $1 (keras2_files)"
    env "$2" CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=2 "$VENVS/$1/bin/python" \
      "$(dirname "$SCRIPT")/keras2_files.py" --out-root "$(dirname "$OUT")/keras2_files"
  fi
done
