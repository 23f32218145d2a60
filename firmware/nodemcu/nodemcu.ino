// Wind-tunnel TRNG firmware for a NodeMCU (ESP8266). This file only wires the
// board to the firmware core (firmware/core/device.h), which does everything
// else and is unit-tested on the host; the wire protocol is PROTOCOL.md.
//
// Wiring: solar cell -> A0 (the NodeMCU's divider gives 0..1023 for 0..3.3 V);
// D1 (GPIO5) -> MOSFET gate switching the fan; D2 (GPIO4) -> driver of the LED
// that lights the cell. Serial: the USB port at 9600 8N1.
#include <ESP8266WiFi.h>

#include "firmware/core/device.h"

namespace {

constexpr uint8_t kFanPin = D1;
constexpr uint8_t kLightPin = D2;

class NodeMcuHal : public trng::Hal {
 public:
  uint32_t Micros() override { return micros(); }
  uint16_t ReadAdc() override { return static_cast<uint16_t>(analogRead(A0)); }
  void SetFan(bool on) override { digitalWrite(kFanPin, on ? HIGH : LOW); }
  void SetLight(bool on) override { digitalWrite(kLightPin, on ? HIGH : LOW); }
  int ReadByte() override { return Serial.read(); }
  size_t WriteSpace() override { return static_cast<size_t>(Serial.availableForWrite()); }
  void Write(const uint8_t* data, size_t n) override { Serial.write(data, n); }
};

NodeMcuHal hal;
trng::Device device(hal, trng::DeviceConfig{});

}  // namespace

void setup() {
  // The radio disturbs the ADC and is not needed: the device talks over USB.
  WiFi.mode(WIFI_OFF);
  WiFi.forceSleepBegin();
  pinMode(kFanPin, OUTPUT);
  pinMode(kLightPin, OUTPUT);
  Serial.begin(9600);
  device.Begin();
}

void loop() { device.Poll(); }
