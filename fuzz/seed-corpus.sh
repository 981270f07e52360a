#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs: real headers from this
# machine, the Go (cgo) header text of the preprocessor tests, and the
# hand-written snippets of fuzz/seeds/. The corpora are not committed
# (/fuzz/corpus is git-ignored); run this once before fuzzing, from anywhere.
# Existing corpus files are kept, so it is safe to run again.
set -eu
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz_dir")
tests="$repo/crates/core/src/cdecl/preproc_tests.rs"

for target in preproc parse header; do
    dir="$fuzz_dir/corpus/$target"
    mkdir -p "$dir"
    for h in /usr/include/zlib.h /usr/include/zconf.h /usr/include/sqlite3.h; do
        if [ -f "$h" ]; then
            cp "$h" "$dir/real-$(basename "$h")"
        else
            echo "warning: $h not found (apt-get install zlib1g-dev libsqlite3-dev)" >&2
        fi
    done
    # Pieces of the large headers, cut at blank lines outside comments where
    # the #if nesting is back to where it started (inside the include guard),
    # so that runs with a small -max_len still start from real declarations.
    for h in /usr/include/zlib.h /usr/include/sqlite3.h; do
        [ -f "$h" ] || continue
        awk -v out="$dir/piece-$(basename "$h" .h)-" '
            function flush() { if (buf != "") { n++; printf "%s", buf > (out n ".h"); close(out n ".h"); buf = "" } }
            {
                line = $0
                if (incomment) { if (index(line, "*/")) incomment = 0 }
                else {
                    s = line
                    while ((k = index(s, "/*")) > 0) {
                        s = substr(s, k + 2)
                        e = index(s, "*/")
                        if (e == 0) { incomment = 1; break }
                        s = substr(s, e + 2)
                    }
                }
                if (line ~ /^[ \t]*#[ \t]*if/) depth++
                else if (line ~ /^[ \t]*#[ \t]*endif/) depth--
                buf = buf line "\n"
                if (line ~ /^[ \t]*$/ && !incomment && depth == 1 && length(buf) >= 4096) flush()
            }
            END { flush() }
        ' "$h"
    done
    # The text between `const GO_HEADER: &str = r#"` and the closing `"#;`.
    awk '
        /^const GO_HEADER: &str = r#"/ { on = 1; sub(/^const GO_HEADER: &str = r#"/, ""); }
        on && /^"#;$/ { exit }
        on { print }
    ' "$tests" > "$dir/go-cgo-header.h"
    if [ ! -s "$dir/go-cgo-header.h" ]; then
        echo "warning: GO_HEADER not found in $tests" >&2
        rm -f "$dir/go-cgo-header.h"
    fi
    for f in "$fuzz_dir"/seeds/header/* "$fuzz_dir"/seeds/parse/*; do
        cp "$f" "$dir/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
    done
done
ls -l "$fuzz_dir"/corpus/*
