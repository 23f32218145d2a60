// egd-eval's output: a ProcedureResult as text for people or as one JSON
// document, and the exit code (0 pass, 1 fail, 2 not enough data).
#pragma once

#include <string>

#include "eval/procedure.h"

namespace egdstat {

std::string FormatText(const ProcedureResult& result, const std::string& file);
std::string FormatJson(const ProcedureResult& result, const std::string& file);
int ExitCode(const ProcedureResult& result);

}  // namespace egdstat
