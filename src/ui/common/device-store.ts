/**
 * Small settings kept on this device (localStorage). Storage can be refused
 * (private modes, locked-down profiles, a full quota): then reads give null
 * and writes are dropped, and the feature works without remembering.
 */
export function readDevice(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeDevice(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered this time; nothing else depends on it
  }
}
