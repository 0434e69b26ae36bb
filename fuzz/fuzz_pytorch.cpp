// libFuzzer target: PyTorch's torch.save files (load_pytorch_state_dict, nabla/pytorch_file.h).
// Both as a model's state_dict and as an optimizer's (load_pytorch_optimizer_state_dict, loaded
// into an Adam over a small module). The first byte picks what the rest is:
//   even: a whole .pt file (the zip archive, its directory and entries, then the pickle);
//   odd:  only data.pkl, packed here into a well-formed archive next to four storages, so that
//         the mutations reach the unpickler instead of failing the zip's CRC checks.
// Any input must load (and copy into a model without touching memory it should not) or raise
// nabla::Error.
#include <unistd.h>
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "nabla/nabla.h"
#include "nabla/pytorch_file.h"

namespace {

// One file per fuzzing process (libFuzzer's -jobs run several), in memory where possible.
std::string scratch_path() {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/nabla_fuzz_pytorch_" + std::to_string(getpid()) + ".pt";
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
}

void add_entry(zipFile zip, const std::string& name, const void* bytes, size_t size) {
  zip_fileinfo info{};
  // Stored (method 0), as torch.save writes its archives.
  if (zipOpenNewFileInZip64(zip, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, 0, 0, 1) !=
      ZIP_OK)
    __builtin_trap();
  if (size > 0 && zipWriteInFileInZip(zip, bytes, static_cast<unsigned>(size)) != ZIP_OK)
    __builtin_trap();
  zipCloseFileInZip(zip);
}

// archive/data.pkl (the input), archive/data/0..3 (64 bytes each: 16 floats, 8 int64s, ...)
// and archive/version, as torch.save lays them out.
void write_archive(const std::string& path, const uint8_t* pickle, size_t size) {
  zipFile zip = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  if (zip == nullptr) __builtin_trap();
  add_entry(zip, "archive/data.pkl", pickle, size);
  uint8_t storage[64];
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < 64; ++i) storage[i] = static_cast<uint8_t>(i * 7 + s);
    add_entry(zip, "archive/data/" + std::to_string(s), storage, sizeof(storage));
  }
  add_entry(zip, "archive/version", "3\n", 2);
  zipClose(zip, nullptr);
}

struct Net : nabla::nn::Module {
  Net() { fc = register_module("fc", nabla::nn::Linear(4, 2)); }
  nabla::nn::Linear fc{nullptr};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = scratch_path();
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    write_file(path, data + 1, size - 1);
  } else {
    write_archive(path, data + 1, size - 1);
  }
  try {
    nabla::NamedTensors tensors = nabla::load_pytorch_state_dict(path);
    for (auto& [name, t] : tensors) (void)t.sum().item<double>();  // every element readable
    Net net;
    nabla::nn::load_state_dict(net, tensors, /*strict=*/false);
    (void)net.fc->forward(nabla::ones({1, 4})).sum().item<float>();
  } catch (const nabla::Error&) {
  }
  try {
    Net net;
    nabla::optim::Adam adam(net.parameters());
    nabla::load_state_dict(adam, path);
    net.fc->forward(nabla::ones({1, 4})).sum().backward();
    adam.step();
    (void)net.fc->weight.sum().item<float>();
  } catch (const nabla::Error&) {
  }
  return 0;
}
