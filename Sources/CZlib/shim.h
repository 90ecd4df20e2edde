// zlib through the system's zlib1g-dev headers; see Package.swift (`systemLibrary` target CZlib).
#include <zlib.h>
