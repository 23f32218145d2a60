// egd-eval: AIS 31 procedures A and B and the FIPS 140-2 block tests on a
// capture file. See eval/cli.h for the command line, docs/egd-eval.md.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "eval/cli.h"
#include "eval/entropy_samples.h"
#include "eval/procedure.h"
#include "eval/report.h"
#include "eval/sp800_90b_run.h"

namespace {

bool ReadFile(const std::string& path, std::vector<uint8_t>* data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  data->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace egdstat;
  std::string error;
  const auto options = ParseCli(std::vector<std::string>(argv + 1, argv + argc), &error);
  if (!options) {
    std::cerr << "egd-eval: " << error << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  std::vector<uint8_t> data;
  const std::string& file = options->file;
  if (!ReadFile(file == "-" ? "/dev/stdin" : file, &data)) {
    std::cerr << "egd-eval: " << file << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  if (IsSp80090bProcedure(options->procedure)) return RunSp80090b(*options, data);
  // A with k-bit samples: a byte wider than k is an error, as for 90b (B and fips take no k).
  if (std::string why = CheckSampleWidth(data, options->bits_per_sample); !why.empty()) {
    std::cerr << "egd-eval: " << file << ": " << why << "\n";
    return 2;
  }
  const unsigned k = static_cast<unsigned>(options->bits_per_sample);
  const ProcedureResult result = options->procedure == "A"   ? RunProcedureA(data, k)
                                 : options->procedure == "B" ? RunProcedureB(data)
                                                             : RunFips(data, options->fips);
  std::cout << (options->json ? FormatJson(result, file) : FormatText(result, file));
  return ExitCode(result);
}
