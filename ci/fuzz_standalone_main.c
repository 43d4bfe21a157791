// ci/fuzz_standalone_main.c: runs a fuzz target on the files named on its command line,
// with no fuzzing engine (as OSS-Fuzz's "none" engine does). ci/cflite_check.sh links
// the ClusterFuzzLite build against it where the machine's libFuzzer runtime cannot be
// linked with -stdlib=libc++ (Debian's is built against libstdc++).
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

// The targets' custom mutators call libFuzzer's; running inputs never mutates.
size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) {
  (void)data, (void)max_size;
  fprintf(stderr, "fuzz_standalone_main: LLVMFuzzerMutate called with no engine\n");
  abort();
  return size;
}

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  int ran = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;  // libFuzzer flags
    FILE* f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "fuzz_standalone_main: cannot read %s\n", argv[i]);
      return 2;
    }
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t* buf = malloc(n > 0 ? (size_t)n : 1);
    const size_t got = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    ran++;
  }
  fprintf(stderr, "fuzz_standalone_main: ran %d inputs\n", ran);
  return 0;
}
