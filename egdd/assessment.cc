// SPDX-License-Identifier: Apache-2.0
#include "egdd/assessment.h"

#include <sodium.h>

#include <chrono>
#include <vector>

#include "common/atomic_file.h"
#include "eval/entropy_assessment.h"
#include "eval/entropy_samples.h"
#include "health/startup.h"

namespace egdd {

using nlohmann::json;

json ToJson(const Assessment& a) {
  json j = {{"identity", a.identity},
            {"bits_per_sample", a.bits_per_sample},
            {"samples", a.samples},
            {"min_entropy", a.min_entropy},
            {"h_original", a.h_original},
            {"decided_by", a.decided_by},
            {"unix_time", a.unix_time},
            {"seconds", a.seconds},
            {"fips_blocks", a.fips_blocks},
            {"fips_failures", a.fips_failures}};
  if (a.h_bitstring) j["h_bitstring"] = *a.h_bitstring;
  return j;
}

std::optional<Assessment> AssessmentFromJson(const json& j, std::string* error) {
  Assessment a;
  try {
    a.identity = j.at("identity").get<std::string>();
    a.bits_per_sample = j.at("bits_per_sample").get<int>();
    a.samples = j.at("samples").get<uint64_t>();
    a.min_entropy = j.at("min_entropy").get<double>();
    a.h_original = j.at("h_original").get<double>();
    a.decided_by = j.at("decided_by").get<std::string>();
    a.unix_time = j.at("unix_time").get<int64_t>();
    a.seconds = j.at("seconds").get<double>();
    a.fips_blocks = j.at("fips_blocks").get<uint32_t>();
    a.fips_failures = j.at("fips_failures").get<uint32_t>();
    if (j.contains("h_bitstring")) a.h_bitstring = j.at("h_bitstring").get<double>();
  } catch (const json::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  if (a.bits_per_sample < 1 || a.bits_per_sample > 8 || !(a.min_entropy >= 0) ||
      a.min_entropy > a.bits_per_sample) {
    *error = "values out of range";
    return std::nullopt;
  }
  return a;
}

size_t RawBytesFor(uint64_t samples, int bits_per_sample) {
  return static_cast<size_t>((samples * static_cast<uint64_t>(bits_per_sample) + 7) / 8);
}

namespace {

// One sample per byte, as the estimators take them.
std::vector<uint8_t> Unpack(std::span<const uint8_t> raw, int bits) {
  std::vector<uint8_t> samples;
  samples.reserve(raw.size() * 8 / bits);
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1);
  for (uint8_t byte : raw) {
    for (int shift = 8 - bits; shift >= 0; shift -= bits) {
      samples.push_back(static_cast<uint8_t>((byte >> shift) & mask));
    }
  }
  return samples;
}

// The same FIPS 140-2 block tests egdd's startup test runs (health/startup.h).
void FipsBlocks(std::span<const uint8_t> raw, Assessment* a) {
  constexpr size_t kBlock = 2500;  // 20,000 bits
  const egd::StartupTest fips = egd::Fips140StartupTest();
  for (size_t at = 0; at + kBlock <= raw.size(); at += kBlock) {
    ++a->fips_blocks;
    if (fips(raw.subspan(at, kBlock))) ++a->fips_failures;
  }
}

}  // namespace

Assessment AssessRaw(std::span<const uint8_t> raw, int bits_per_sample) {
  Assessment a;
  a.bits_per_sample = bits_per_sample;
  auto started = std::chrono::steady_clock::now();
  std::vector<uint8_t> unpacked = Unpack(raw, bits_per_sample);
  egdstat::EntropySamples samples;
  std::string why = egdstat::PrepareSamples(unpacked, bits_per_sample, &samples);
  sodium_memzero(unpacked.data(), unpacked.size());
  a.samples = samples.literal.size();
  if (why.empty()) {
    egdstat::EntropyAssessment e = egdstat::AssessNonIid(samples);
    a.min_entropy = e.min_entropy;
    a.h_original = e.h_original;
    a.h_bitstring = e.h_bitstring;
    a.decided_by = e.decided_by;
  }
  sodium_memzero(samples.literal.data(), samples.literal.size());
  sodium_memzero(samples.bitstring.data(), samples.bitstring.size());
  FipsBlocks(raw, &a);
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return a;
}

std::string AssessmentStore::PathFor(const std::string& identity) const {
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(identity.data()),
                     identity.size(), nullptr, 0);
  char hex[2 * sizeof hash + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return dir_ + "/assessment-" + hex + ".json";
}

std::optional<Assessment> AssessmentStore::Load(const std::string& identity, int bits_per_sample,
                                                std::string* problem) const {
  if (dir_.empty()) return std::nullopt;
  const std::string path = PathFor(identity);
  std::string text;
  bool missing = false;
  egd::Status st = egd::ReadSmallFile(path, &text, &missing, 64 * 1024);
  if (missing) return std::nullopt;
  if (!st.ok()) {
    *problem = st.message();
    return std::nullopt;
  }
  json j = json::parse(text, nullptr, false);
  std::string why;
  auto a = j.is_discarded() ? std::nullopt : AssessmentFromJson(j, &why);
  if (!a) {
    *problem = path + ": not an assessment" + (why.empty() ? "" : ": " + why);
  } else if (a->identity != identity) {
    *problem = path + ": made on " + a->identity + ", not " + identity;
    a.reset();
  } else if (a->bits_per_sample != bits_per_sample) {
    a.reset();  // another sample width: a new assessment is needed
  }
  return a;
}

egd::Status AssessmentStore::Save(const Assessment& a) const {
  if (dir_.empty()) return egd::Status::Error("no state directory");
  return egd::WriteFileAtomically(PathFor(a.identity), ToJson(a).dump(2) + "\n");
}

}  // namespace egdd
