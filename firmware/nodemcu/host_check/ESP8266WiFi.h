// Host-check declarations of the ESP8266WiFi calls nodemcu.ino makes (see Arduino.h).
#pragma once

#include <cstdint>

enum WiFiMode_t { WIFI_OFF = 0 };

class ESP8266WiFiClass {
 public:
  bool mode(WiFiMode_t m);
  bool forceSleepBegin(uint32_t sleep_us = 0);
};
extern ESP8266WiFiClass WiFi;
