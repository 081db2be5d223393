#include "CSQLiteBaseline.h"
