// SPDX-License-Identifier: Apache-2.0
#include "eval/nist_refdata.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace egdstat::testing {

namespace {

const std::string kDir = EGD_SP800_90B_DATA;

std::ifstream Open(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return in;
}

// "KEY = VALUE" or "KEY: VALUE" with a numeric VALUE.
void ParseValue(const std::string& line, std::map<std::string, double>* values) {
  for (const char* sep : {" = ", ": "}) {
    size_t at = line.rfind(sep);
    if (at == std::string::npos) continue;
    std::string text = line.substr(at + std::string(sep).size());
    size_t used = 0;
    try {
      double v = std::stod(text, &used);
      if (used == text.size()) (*values)[line.substr(0, at)] = v;
    } catch (const std::exception&) {
    }
    return;
  }
}

}  // namespace

std::optional<double> NistResult::Get(const std::string& key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool NistResult::Says(const std::string& line) const {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::vector<std::string> NistDataNames() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kDir + "/refdata")) {
    if (e.path().extension() == ".res") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

NistResult LoadNistResult(const std::string& name) {
  std::ifstream in = Open(kDir + "/refdata/" + name + ".res");
  NistResult r;
  std::string line;
  while (std::getline(in, line)) {
    r.lines.push_back(line);
    unsigned long n = 0;
    int a = 0, k = 0;
    if (std::sscanf(line.c_str(), "Loaded %lu samples of %d distinct %d-bit-wide", &n, &a, &k) == 3) {
      r.samples = n;
      r.alphabet = a;
      r.bits = k;
      continue;
    }
    ParseValue(line, &r.values);
  }
  if (r.bits == 0) throw std::runtime_error(name + ".res: no 'Loaded' line");
  return r;
}

std::vector<uint8_t> LoadNistSamples(const std::string& name) {
  std::ifstream in = Open(kDir + "/bin/" + name + ".bin");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

EntropySamples LoadNistPrepared(const std::string& name, const NistResult& ref) {
  EntropySamples s;
  if (std::string why = PrepareSamples(LoadNistSamples(name), ref.bits, &s); !why.empty()) {
    throw std::runtime_error(name + ": " + why);
  }
  return s;
}

}  // namespace egdstat::testing
