#!/usr/bin/env bash
# Writes DIR/splits/{train,validation,test}.jsonl: the predefined splits that
# experiments/configs/predefined_splits.json trains on (docs/datasets.md, "Predefined splits").
# Short synthetic reviews, {"text": ..., "label": "positive" | "negative"}: neutral phrases, words
# of the label's sentiment and some of the other's, 5% of labels flipped. Deterministic (the
# Park-Miller generator in awk); a held-out file keeps only texts in no earlier file, as
# dptrain refuses an example shared by two splits.
#   scripts/make-example-splits.sh [DIR]      (default: the current folder)
set -euo pipefail
dir="${1:-.}/splits"
mkdir -p "$dir"
cd "$dir"

write_split() {  # FILE N SEED
  awk -v n="$2" -v seed="$3" '
  function next_below(k) {  # Park-Miller (exact in awk'"'"'s doubles), its high bits
    s = (s * 16807) % 2147483647;
    return int(s / 65536) % k;
  }
  BEGIN {
    split("great fine lovely superb bright warm kind happy calm sweet", pos, " ");
    split("awful poor dreary bleak cold harsh sad grim dull sour", neg, " ");
    split("the a this that our your one every some my", det, " ");
    split("film meal trip day song room book game town walk", noun, " ");
    s = seed;
    for (i = 0; i < n; i++) {
      label = next_below(2);
      words = 3 + next_below(6);
      text = "";
      for (w = 0; w < words; w++) {
        r = next_below(20);
        pick = next_below(10) + 1;
        if (r < 8) word = det[pick] " " noun[(pick % 10) + 1];
        else if (r < 17) word = label ? pos[pick] : neg[pick];
        else word = label ? neg[pick] : pos[pick];
        text = text (w ? " " : "") word;
      }
      if (next_below(100) < 5) label = 1 - label;
      printf "{\"text\": \"%s\", \"label\": \"%s\"}\n", text, label ? "positive" : "negative";
    }
  }' > "$1"
}

write_split train.jsonl 2400 11
write_split validation.jsonl 400 23
write_split test.jsonl 400 37
awk '!seen[$0]++' train.jsonl > train.tmp && mv train.tmp train.jsonl
awk 'FNR == NR { seen[$0] = 1; next } !seen[$0]++' train.jsonl validation.jsonl > validation.tmp && mv validation.tmp validation.jsonl
cat train.jsonl validation.jsonl > earlier.tmp
awk 'FNR == NR { seen[$0] = 1; next } !seen[$0]++' earlier.tmp test.jsonl > test.tmp && mv test.tmp test.jsonl
rm earlier.tmp
echo "wrote $(wc -l < train.jsonl) train, $(wc -l < validation.jsonl) validation, $(wc -l < test.jsonl) test texts to $dir"
