#include "firmware/core/device.h"

namespace trng {
namespace {

// Builds reply text without printf: newlib-nano on the ESP8266 lacks %llu.
class Text {
 public:
  Text& Add(const char* s) {
    while (*s && n_ < kMaxLineText) buf_[n_++] = *s++;
    return *this;
  }
  Text& Add(uint64_t v) {
    char digits[20];
    int k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0 && n_ < kMaxLineText) buf_[n_++] = digits[--k];
    return *this;
  }
  Text& Kv(const char* key, uint64_t v) { return Add(" ").Add(key).Add("=").Add(v); }
  const char* data() const { return buf_; }
  size_t size() const { return n_; }

 private:
  char buf_[kMaxLineText];
  size_t n_ = 0;
};

void WriteLine(Hal& hal, const Text& text) {
  uint8_t line[kMaxLineSize];
  const size_t n = EncodeLine(text.data(), text.size(), line);
  hal.Write(line, n);
}

}  // namespace

Device::Device(Hal& hal, const DeviceConfig& config)
    : hal_(hal),
      config_(config),
      scheduler_(config.sample_hz, config.max_burst),
      extractor_(config.extractor) {
  if (config_.payload_size == 0 || config_.payload_size > kMaxPayload) {
    config_.payload_size = kDevicePayload;
  }
}

void Device::Begin() {
  hal_.SetFan(false);
  hal_.SetLight(false);
  state_ = State::kOff;
  ReplyVersion("boot");
}

void Device::Poll() {
  ReadCommands();
  if (state_ == State::kSpinUp &&
      hal_.Micros() - spinup_start_us_ >= config_.spinup_ms * 1000u) {
    extractor_.Reset();
    scheduler_.Start(hal_.Micros());
    seq_ = 0;
    payload_n_ = 0;
    state_ = State::kRunning;
  }
  if (state_ == State::kRunning) RunSampling();
}

void Device::ReadCommands() {
  // Bounded so that a flood of input cannot starve sampling.
  for (int i = 0; i < 64; ++i) {
    const int c = hal_.ReadByte();
    if (c < 0) return;
    const Command command = parser_.Feed(static_cast<uint8_t>(c));
    if (command != Command::kNone) Execute(command);
  }
}

void Device::Execute(Command command) {
  switch (command) {
    case Command::kOn: SwitchOn(); break;
    case Command::kOff: SwitchOff(); break;
    case Command::kStatus: ReplyStatus(); break;
    case Command::kVersion: ReplyVersion("version"); break;
    case Command::kTooLong: Reply("err too-long"); break;
    case Command::kUnknown: {
      Text t;
      t.Add("err unknown-command ").Add(parser_.last_line());
      WriteLine(hal_, t);
      break;
    }
    case Command::kNone: break;
  }
}

// `on` while on is a no-op: the numbering and the stream continue.
void Device::SwitchOn() {
  if (state_ == State::kOff) {
    hal_.SetFan(true);
    hal_.SetLight(true);
    spinup_start_us_ = hal_.Micros();
    state_ = State::kSpinUp;
  }
  Reply("ok on");
}

// Bits of an unfinished frame are discarded; the host never sees them.
void Device::SwitchOff() {
  hal_.SetFan(false);
  hal_.SetLight(false);
  state_ = State::kOff;
  payload_n_ = 0;
  Reply("ok off");
}

void Device::RunSampling() {
  const uint32_t due = scheduler_.Due(hal_.Micros());
  for (uint32_t i = 0; i < due; ++i) {
    uint8_t byte = 0;
    if (!extractor_.Push(hal_.ReadAdc(), &byte)) continue;
    payload_[payload_n_++] = byte;
    if (payload_n_ == config_.payload_size) EmitFrame();
  }
}

void Device::EmitFrame() {
  uint8_t frame[kMaxFrameSize];
  const size_t n = EncodeDataFrame(seq_++, payload_, payload_n_, frame);
  payload_n_ = 0;
  if (hal_.WriteSpace() < n) {
    ++stats_.dropped;
    return;
  }
  hal_.Write(frame, n);
  ++stats_.frames;
}

void Device::Reply(const char* text) {
  Text t;
  t.Add(text);
  WriteLine(hal_, t);
}

// Counters since power-on; adc_min/adc_max since the previous status.
void Device::ReplyStatus() {
  const ExtractorStats& s = extractor_.stats();
  const uint64_t discard_pm = s.raw_bits == 0 ? 0 : (s.raw_bits - s.bits) * 1000 / s.raw_bits;
  Text t;
  t.Add("status").Kv("on", on()).Kv("fan", on()).Kv("light", on());
  t.Kv("sampling", sampling()).Kv("samples", s.samples).Kv("quiet", s.quiet);
  t.Kv("adc_min", s.adc_min).Kv("adc_max", s.adc_max);
  t.Kv("raw_bits", s.raw_bits).Kv("bits", s.bits).Kv("discard_pm", discard_pm);
  t.Kv("frames", stats_.frames).Kv("dropped", stats_.dropped).Kv("late", scheduler_.late());
  WriteLine(hal_, t);
  extractor_.ResetWindow();
}

void Device::ReplyVersion(const char* tag) {
  const ExtractorConfig& e = extractor_.config();
  Text t;
  t.Add(tag).Add(" ").Add(kFirmwareName).Add(" fw=").Add(kFirmwareVersion);
  t.Kv("protocol", kProtocolVersion).Add(" debias=").Add(DebiasName(e.debias));
  if (e.debias == Debias::kXor) t.Add(static_cast<uint64_t>(e.xor_k));
  t.Kv("sample_hz", config_.sample_hz).Kv("payload", config_.payload_size);
  WriteLine(hal_, t);
}

}  // namespace trng
