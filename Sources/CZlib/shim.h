// zlib: gzip members for `winnow score`'s compressed JSONL input and output.
#include <zlib.h>
