using System.CommandLine;
using Grpc.Core;
using Spectre.Console;

namespace Engine.Cli;

/// <summary>
/// The root of `engine`: its subcommands and the exit codes every one of them keeps. 0 done; 1 done in
/// part (an import with rejected rows); 2 bad input or a request the engine refused; 3 the engine could
/// not be reached or failed. Errors are one line on stderr, never a stack trace.
/// </summary>
internal static class EngineCommand
{
    public const int Done = 0;
    public const int DoneInPart = 1;
    public const int BadInput = 2;
    public const int Unreachable = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("engine: manage tenants, leads, consent, messages, playbooks and events of a conversation engine.");
        foreach (var option in ConnectionOptions.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(TenantCommands.Create());
        root.Subcommands.Add(KeyCommands.Create());
        root.Subcommands.Add(LeadCommands.Create());
        root.Subcommands.Add(ConsentCommands.Create());
        root.Subcommands.Add(MessageCommands.Send());
        root.Subcommands.Add(MessageCommands.Conversation());
        root.Subcommands.Add(PlaybookCommands.Create());
        root.Subcommands.Add(EventCommands.Create());
        root.Subcommands.Add(SimulateCommands.Create());

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"engine: {error.Message}");
            }

            Console.Error.WriteLine("engine: see `engine --help`");
            return BadInput;
        }

        return await parsed.InvokeAsync();
    }

    /// <summary>An action with the engine's error handling: every failure becomes one line and an exit code.</summary>
    public static void SetCliAction(this Command command, Func<ParseResult, CliContext, Task<int>> action) =>
        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                using var context = CliContext.From(parsed, cancellationToken);
                return await action(parsed, context);
            }
            catch (CliInputException e)
            {
                return Fail(e.Message, BadInput);
            }
            catch (RpcException e)
            {
                // The reason code (OPTED_OUT, QUIET_HOURS...) is what a script branches on, so it is shown too.
                var reason = e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason is { Length: > 0 } code ? $" ({code})" : "";
                return Fail($"{e.StatusCode}{reason}: {e.Status.Detail}", IsCallersFault(e.StatusCode) ? BadInput : Unreachable);
            }
            catch (HttpRequestException e)
            {
                return Fail($"could not reach the engine: {e.Message}", Unreachable);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Done; // Ctrl+C ends a follow
            }
        });

    private static bool IsCallersFault(StatusCode code) => code is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists
        or StatusCode.FailedPrecondition or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.OutOfRange;

    private static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine($"engine: {message}");
        return exitCode;
    }
}

/// <summary>Input the CLI itself refuses (a file that is not there, a value it cannot read): exit code 2.</summary>
internal sealed class CliInputException(string message) : Exception(message);
