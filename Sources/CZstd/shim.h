// libzstd: zstd frames for `winnow score`'s compressed JSONL input and output.
#include <zstd.h>
