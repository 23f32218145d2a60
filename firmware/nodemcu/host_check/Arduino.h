// Declarations of the few Arduino/ESP8266 APIs nodemcu.ino uses, so that the
// sketch can be compiled (not linked or run) on the host as a check that it
// still matches the firmware core's interface. No behaviour lives here.
#pragma once

#include <cstddef>
#include <cstdint>

constexpr uint8_t HIGH = 1, LOW = 0, OUTPUT = 1;
constexpr uint8_t A0 = 17, D1 = 5, D2 = 4;

unsigned long micros();
int analogRead(uint8_t pin);
void digitalWrite(uint8_t pin, uint8_t value);
void pinMode(uint8_t pin, uint8_t mode);

class HardwareSerial {
 public:
  void begin(unsigned long baud);
  int read();
  int availableForWrite();
  size_t write(const uint8_t* data, size_t n);
};
extern HardwareSerial Serial;
