// egd-eval: AIS 31 procedures A and B and the FIPS 140-2 block tests on a
// capture file. See eval/cli.h for the command line, docs/egd-eval.md.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "eval/assessment_report.h"
#include "eval/cli.h"
#include "eval/entropy_assessment.h"
#include "eval/entropy_samples.h"
#include "eval/procedure.h"
#include "eval/report.h"

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
  if (options->procedure == "90b") {
    EntropySamples samples;
    if (std::string why = PrepareSamples(data, options->bits_per_sample, &samples); !why.empty()) {
      std::cerr << "egd-eval: " << file << ": " << why << "\n";
      return 2;
    }
    const EntropyAssessment a = AssessNonIid(samples);
    std::cout << (options->json ? FormatAssessmentJson(a, file) : FormatAssessmentText(a, file));
    return 0;
  }
  const ProcedureResult result = options->procedure == "A"   ? RunProcedureA(data)
                                 : options->procedure == "B" ? RunProcedureB(data)
                                                             : RunFips(data, options->fips);
  std::cout << (options->json ? FormatJson(result, file) : FormatText(result, file));
  return ExitCode(result);
}
