// Subcommands besides `start`. Returns undefined for a command it does not know.
export async function runCommand(command: string, args: string[]): Promise<number | undefined> {
  void args;
  switch (command) {
    default:
      return undefined;
  }
}
