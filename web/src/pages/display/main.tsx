import { render } from "preact";

function App() {
  return <main><h1>display</h1></main>;
}

render(<App />, document.getElementById("app")!);
