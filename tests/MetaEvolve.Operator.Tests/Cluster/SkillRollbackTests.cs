using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// <c>metaevolve skill rollback</c> and <c>export</c> with real processes: the operator restores a stored version's spec
/// into the Skill, both workers of the pool serve it, refusals say why and change nothing, and export prints a manifest
/// that can be committed.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class SkillRollbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Greeting(string version, string word) => $$"""
        apiVersion: metaevolve.io/v1alpha1
        kind: Skill
        metadata:
          name: greet
        spec:
          type: CSharp
          version: "{{version}}"
          description: Greets.
          csharp:
            source: |
              using Microsoft.SemanticKernel;

              public sealed class Greeter
              {
                  [KernelFunction]
                  public string Hello(string name) => "{{word}} " + name;
              }
        """;

    [Fact]
    public async Task A_rollback_restores_the_previous_version_into_the_spec_and_every_worker_serves_it()
    {
        await using var cluster = await OperatorCluster.StartAsync(runWorkers: true);
        await using var calls = await DirectCalls.StartAsync(cluster, "caller");
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync(Greeting("1.0.0", "hello") + """

            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: rollers
            spec:
              autoscaling: {mode: None}
              replicas: 2
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: caller
            spec:
              poolRef: {name: rollers}
              skills: [{name: greet}]
            """);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greet")).Status?.PublishedVersion == "1.0.0", "1.0.0 is published", seconds: 60);
        var first = (await cluster.SkillAsync("greet")).Status.PublishedDigest!;
        await cluster.ApplyAsync(Greeting("1.0.1", "hi"));
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greet")).Status?.PublishedVersion == "1.0.1", "1.0.1 is published", seconds: 60);
        var second = (await cluster.SkillAsync("greet")).Status.PublishedDigest!;
        // A worker that started before the agent was stored builds it on its first task: calls until both have.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (calls.AppliedDigests("greet").Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "both workers ran a task of the agent within 60 s");
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => calls.RunAsync("rollers", "caller", "greet", "Hello", new JsonObject { ["name"] = "ada" })));
            Assert.All(results, r => Assert.Equal("hi ada", DirectCalls.Result(r)));
        }

        await calls.EveryWorkerServesAsync("greet", second, workers: 2);

        var (code, output) = await calls.MetaEvolveAsync("skill", "rollback", "greet");
        Assert.True(code == 0, output);
        Assert.Contains($"rolled back skill {cluster.Namespace}/greet from version 1.0.1 to 1.0.0 ({first}); it is served", output, StringComparison.Ordinal);
        var restored = await cluster.SkillAsync("greet");
        Assert.Equal("1.0.0", restored.Spec.Version);
        Assert.Contains("\"hello \"", restored.Spec.CSharp!.Source, StringComparison.Ordinal);
        Assert.False(restored.Metadata.Annotations?.ContainsKey(AuthoredSkillKeys.RollbackTo) ?? false, "the annotation acts once");
        await calls.EveryWorkerServesAsync("greet", first, workers: 2);
        Assert.Equal("hello ada", DirectCalls.Result(await calls.RunAsync("rollers", "caller", "greet", "Hello", new JsonObject { ["name"] = "ada" })));
        var reasons = (await cluster.Client("test").CoreV1.ListNamespacedEventAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .Where(e => e.InvolvedObject.Name == "greet").Select(e => e.Reason).ToList();
        Assert.Contains(SkillEvents.RolledBack, reasons);

        // Nothing was stored before 1.0.0, and 9.9.9 never was: refused with the reason, the spec unchanged.
        (code, output) = await calls.MetaEvolveAsync("skill", "rollback", "greet");
        Assert.True(code == 2, output);
        Assert.Contains("no version of skill greet was stored before the one served now", output, StringComparison.Ordinal);
        (code, output) = await calls.MetaEvolveAsync("skill", "rollback", "greet", "--to", "9.9.9");
        Assert.True(code == 2, output);
        Assert.Contains("version 9.9.9 of skill greet was never published; stored: 1.0.0, 1.0.1", output, StringComparison.Ordinal);
        Assert.Equal(restored.Metadata.Generation, (await cluster.SkillAsync("greet")).Metadata.Generation);

        // Forward again by name.
        (code, output) = await calls.MetaEvolveAsync("skill", "rollback", "greet", "--to", "1.0.1");
        Assert.True(code == 0, output);
        await calls.EveryWorkerServesAsync("greet", second, workers: 2);
        Assert.Equal("hi ada", DirectCalls.Result(await calls.RunAsync("rollers", "caller", "greet", "Hello", new JsonObject { ["name"] = "ada" })));

        // Export prints the served spec and nothing the cluster set.
        (code, output) = await calls.MetaEvolveAsync("skill", "export", "greet");
        Assert.True(code == 0, output);
        var exported = KubernetesYaml.Deserialize<V1Alpha1Skill>(output);
        Assert.Equal("greet", exported.Metadata.Name);
        Assert.Equal("1.0.1", exported.Spec.Version);
        Assert.DoesNotContain("status:", output, StringComparison.Ordinal);
        Assert.Null(exported.Metadata.ResourceVersion);
        Assert.Null(exported.Metadata.Uid);
        Assert.DoesNotContain("managedFields", output, StringComparison.Ordinal);
        Assert.DoesNotContain("finalizers", output, StringComparison.Ordinal);
    }
}
