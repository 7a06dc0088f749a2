/** Resolves true when `port` can be listened on at `host` now. */
export function portFree(host: string, port: number): Promise<boolean>;
/** A free port at `host`, trying `preferred`, then the nine after it, then one the OS picks. */
export function choosePort(host: string, preferred?: number): Promise<number>;
