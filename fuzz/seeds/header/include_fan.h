#include "fan.h"
