using Engine.Cli;

return await EngineCommand.RunAsync(args);
